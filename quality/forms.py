"""The forms of quality review: rating a reply on the scorecard, publishing a scorecard version, and finding a
question's sent replies to add by hand."""

from dataclasses import replace

from django import forms
from django.forms import formset_factory
from django.utils.text import slugify
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from .models import Scorecard
from .scoring import DEFAULT_CATEGORIES, DESCRIPTION_MAX, MAX_WEIGHT, SCALES
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
        """Each category's radio group with what the reviewer looks for in it (the category's description)."""
        lang = language()
        return [(self[f"rating_{category.key}"], category.description(lang)) for category in self.categories]


class CategoryForm(forms.Form):
    # The name the ratings are stored under: kept from version to version for a category that stays, made from the
    # English name for a new one (CategoryFormSet.clean). People never type it.
    key = forms.SlugField(max_length=32, required=False, widget=forms.HiddenInput)
    label_ja = forms.CharField(label=_("Name (Japanese)"), max_length=40, required=False)
    label_en = forms.CharField(label=_("Name (English)"), max_length=40, required=False)
    description_ja = forms.CharField(
        label=_("What the reviewer looks for (Japanese)"),
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    description_en = forms.CharField(
        label=_("What the reviewer looks for (English)"),
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    scale = forms.ChoiceField(
        label=_("Scale"),
        choices=[
            ("three", pgettext_lazy("scale", "Met / partly / not met")),
            ("binary", pgettext_lazy("scale", "Yes / no")),
        ],
    )
    weight = forms.IntegerField(min_value=1, max_value=MAX_WEIGHT, required=False)
    critical = forms.BooleanField(label=_("Critical"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["weight"].label = gettext("Weight (1–%(max)d)") % {"max": MAX_WEIGHT}

    @property
    def is_filled(self) -> bool:
        """A row with a name is a category; a row whose names were emptied is dropped (its key alone does not count)."""
        data = getattr(self, "cleaned_data", {})
        return bool(data.get("label_ja") or data.get("label_en"))

    def clean(self):
        data = super().clean()
        if self.is_filled and not (data.get("label_ja") and data.get("label_en") and data.get("weight")):
            raise forms.ValidationError(_("Give both names and the weight, or leave the row empty."))
        return data

    def category(self) -> dict | None:
        data = self.cleaned_data
        if not self.is_filled:
            return None
        return {
            "key": data["key"],
            "label_ja": data["label_ja"].strip(),
            "label_en": data["label_en"].strip(),
            "description_ja": data["description_ja"].strip(),
            "description_en": data["description_en"].strip(),
            "scale": data["scale"] if data["scale"] in SCALES else "three",
            "weight": data["weight"],
            "critical": bool(data["critical"]),
        }


BaseCategoryFormSet = formset_factory(CategoryForm, extra=2, max_num=10, validate_max=True)


class CategoryFormSet(BaseCategoryFormSet):
    def clean(self):
        """Every category a key: the one it had (so that a category keeps its key from version to version), else one
        made from its English name, numbered if taken."""
        super().clean()
        if any(self.errors):
            return
        filled = [form for form in self.forms if form.is_filled]
        if not filled:
            raise forms.ValidationError(_("A scorecard needs at least one category."))
        kept = [form.cleaned_data["key"] for form in filled if form.cleaned_data.get("key")]
        if len(set(kept)) != len(kept):
            raise forms.ValidationError(_("Two categories came from the same one: reload the page and try again."))
        taken = set(kept)
        for form in filled:
            if not form.cleaned_data.get("key"):
                form.cleaned_data["key"] = _new_key(form.cleaned_data["label_en"], taken)
                taken.add(form.cleaned_data["key"])

    def categories(self) -> list[dict]:
        return [category for form in self.forms if (category := form.category()) is not None]


def _new_key(label_en: str, taken: set[str]) -> str:
    base = slugify(label_en)[:28].strip("-") or "category"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


BUILT_IN = {category.key: category for category in DEFAULT_CATEGORIES}


def category_formset(data=None, *, current: Scorecard) -> CategoryFormSet:
    """The publish form, filled with the version in force. A built-in category stored before categories had
    descriptions is offered the built-in description, so that publishing once gives it one."""
    initial = []
    for category in current.category_list:
        built_in = BUILT_IN.get(category.key)
        if built_in and not (category.description_ja or category.description_en):
            category = replace(category, description_ja=built_in.description_ja, description_en=built_in.description_en)
        initial.append(category.as_data())
    return CategoryFormSet(data, initial=initial, prefix="category")


class QuestionLookupForm(forms.Form):
    question = forms.IntegerField(label=_("Question number"), min_value=1)
