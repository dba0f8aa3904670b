"""The forms of quality review: rating a reply on the scorecard, publishing a scorecard version, and finding a
question's sent replies to add by hand."""

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import Scorecard
from .scoring import MAX_WEIGHT, SCALES
from .selectors import NOT_APPLICABLE, SCALE_LABELS, language

NA = "na"


class ReviewForm(forms.Form):
    """One radio group per category of `scorecard` (N/A offered for the categories that are not critical), and a
    comment. The scorecard's version travels with the form: a version published meanwhile refuses the review."""

    scorecard = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Comment for the employee"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was good, what to do differently next time. The employee reads it."),
    )

    def __init__(self, *args, scorecard: Scorecard, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = scorecard.category_list
        self.fields["scorecard"].initial = scorecard.version
        lang = language()
        for category in self.categories:
            choices = [(str(value), SCALE_LABELS[category.scale][value]) for value in reversed(category.values)]
            if not category.critical:
                choices.append((NA, NOT_APPLICABLE))
            label = category.label(lang)
            self.fields[f"rating_{category.key}"] = forms.ChoiceField(
                label=label,
                choices=choices,
                widget=forms.RadioSelect,
                help_text=(
                    _("Weight %(weight)d. Critical: “%(lowest)s” sets the score to 0.")
                    % {"weight": category.weight, "lowest": SCALE_LABELS[category.scale][0]}
                    if category.critical
                    else _("Weight %(weight)d.") % {"weight": category.weight}
                ),
            )
        # The comment last, after the ratings.
        self.order_fields([f"rating_{category.key}" for category in self.categories] + ["comment", "scorecard"])

    def ratings(self) -> dict[str, int | None]:
        return {
            category.key: None
            if self.cleaned_data[f"rating_{category.key}"] == NA
            else int(self.cleaned_data[f"rating_{category.key}"])
            for category in self.categories
        }

    def rating_fields(self):
        return [self[f"rating_{category.key}"] for category in self.categories]


class CategoryForm(forms.Form):
    key = forms.SlugField(label=_("key"), max_length=32, required=False)
    label_ja = forms.CharField(label=_("name (Japanese)"), max_length=40, required=False)
    label_en = forms.CharField(label=_("name (English)"), max_length=40, required=False)
    scale = forms.ChoiceField(
        label=_("scale"),
        choices=[
            ("three", pgettext_lazy("scale", "Met / partly / not met")),
            ("binary", pgettext_lazy("scale", "Yes / no")),
        ],
    )
    weight = forms.IntegerField(label=_("weight"), min_value=1, max_value=MAX_WEIGHT, required=False)
    critical = forms.BooleanField(label=_("critical"), required=False)

    def clean(self):
        data = super().clean()
        filled = data.get("key") or data.get("label_ja") or data.get("label_en")
        if filled and not (data.get("key") and data.get("label_ja") and data.get("label_en") and data.get("weight")):
            raise forms.ValidationError(_("Give the key, both names and the weight, or leave the row empty."))
        return data

    def category(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("key"):
            return None
        return {
            "key": data["key"],
            "label_ja": data["label_ja"].strip(),
            "label_en": data["label_en"].strip(),
            "scale": data["scale"] if data["scale"] in SCALES else "three",
            "weight": data["weight"],
            "critical": bool(data["critical"]),
        }


BaseCategoryFormSet = formset_factory(CategoryForm, extra=2, max_num=10, validate_max=True)


class CategoryFormSet(BaseCategoryFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        keys = [form.cleaned_data.get("key") for form in self.forms if form.cleaned_data.get("key")]
        if not keys:
            raise forms.ValidationError(_("A scorecard needs at least one category."))
        if len(set(keys)) != len(keys):
            raise forms.ValidationError(_("Each category needs a key of its own."))

    def categories(self) -> list[dict]:
        return [category for form in self.forms if (category := form.category()) is not None]


def category_formset(data=None, *, current: Scorecard) -> CategoryFormSet:
    return CategoryFormSet(data, initial=current.categories, prefix="category")


class QuestionLookupForm(forms.Form):
    question = forms.IntegerField(label=_("Question number"), min_value=1)
