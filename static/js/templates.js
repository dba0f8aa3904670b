// Reply templates: choosing one puts its text into the reply box, where the counter recounts it.
document.addEventListener("change", (event) => {
  const picker = event.target.closest("select[data-template-target]");
  if (!picker || !picker.value) return;
  const box = document.getElementById(picker.dataset.templateTarget);
  box.value = picker.value;
  box.dispatchEvent(new Event("input", { bubbles: true }));
  picker.value = "";
  box.focus();
});
