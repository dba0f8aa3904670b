// A <select data-submit-on-change> sends its form as soon as a choice is made (the language switcher). A file, not
// an onchange="" attribute: the Content-Security-Policy refuses inline handlers. Without JavaScript the form's
// <noscript> button sends it.
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-submit-on-change]");
  if (select && select.form) select.form.submit();
});
