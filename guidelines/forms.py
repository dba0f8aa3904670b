"""The forms of the guidelines: a new version (previewed or published), and the acceptance of the version shown."""

from django import forms
from django.utils.translation import gettext_lazy as _

# Long enough for any set of rules a desk keeps; a page of guidelines is a few thousand characters.
BODY_MAX_LENGTH = 20_000


class PublishForm(forms.Form):
    body_ja = forms.CharField(
        label=_("Guidelines in Japanese"),
        required=False,
        max_length=BODY_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 16, "lang": "ja"}),
    )
    body_en = forms.CharField(
        label=_("Guidelines in English"),
        required=False,
        max_length=BODY_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 16, "lang": "en"}),
    )
    summary = forms.CharField(
        label=_("What changed (optional)"),
        required=False,
        max_length=300,
        help_text=_("One line for the history and for the people asked to accept it again."),
    )
    requires_acknowledgement = forms.BooleanField(
        label=_("Everyone who answers must accept this version again before they claim or send"),
        required=False,
        initial=True,
        help_text=_(
            "Leave it unticked for a correction that changes no rule (a typo, a link): those who accepted an earlier "
            "version go on answering. The first version is always accepted by everyone."
        ),
    )
    # The version the form was filled from (0: none): publishing refuses if another was published meanwhile.
    based_on = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("body_ja") or "").strip() and not (cleaned.get("body_en") or "").strip():
            raise forms.ValidationError(_("Write the guidelines in Japanese, in English or in both; both are empty."))
        return cleaned


class AcknowledgeForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    next = forms.CharField(required=False, widget=forms.HiddenInput)
