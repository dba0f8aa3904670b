"""The public check's forms: the administrators' editor of the "how to recognise us" block (the check itself is two
plain GET forms in the template, with nothing to validate before the answer)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import TEXT_MAX_LENGTH, TOPICS

LANGUAGE_LABELS = {"ja": _("Japanese"), "en": _("English")}


class GuideForm(forms.Form):
    # The version the editor started from, so that a save over someone else's newer one is refused, not silent.
    based_on = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for stem, _label in TOPICS:
            for language, language_label in LANGUAGE_LABELS.items():
                self.fields[f"{stem}_{language}"] = forms.CharField(
                    label=language_label,
                    required=False,
                    max_length=TEXT_MAX_LENGTH,
                    widget=forms.Textarea(attrs={"rows": 5, "lang": language}),
                )

    def topics(self) -> list[tuple[str, list[forms.BoundField]]]:
        """Each topic's label with its Japanese and English fields, for the template."""
        return [(label, [self[f"{stem}_{language}"] for language in LANGUAGE_LABELS]) for stem, label in TOPICS]
