"""The forms of listening: a stream's settings (saved only after its cost was previewed) and a note on a hit."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import QUERY_MAX_LENGTH, SMALLEST_PAGE, Language
from .queries import problem_with
from .services import NOTE_MAX_LENGTH, StreamSettings


class StreamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    query = forms.CharField(
        label=_("What to listen for"),
        max_length=QUERY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            'X\'s search syntax: words side by side must all appear; OR between alternatives; "an exact phrase"; '
            "-word to exclude; parentheses to group. Japanese words match inside longer text."
        ),
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices, required=False)
    daily_read_budget = forms.IntegerField(
        label=_("Daily read budget (posts)"),
        min_value=SMALLEST_PAGE,
        max_value=100_000,
        help_text=_("X bills each post a search returns. The stream stops for the day when the budget is spent."),
    )
    poll_interval_minutes = forms.IntegerField(label=_("Poll every (minutes)"), min_value=1, max_value=1440, initial=15)
    # The budget whose cost the administrator saw; rendered by the preview only, so that nothing is saved unseen.
    previewed_budget = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if "query" in cleaned:
            problem = problem_with(cleaned["query"], cleaned.get("language") or "")
            if problem:
                self.add_error("query", problem)
        return cleaned

    def settings(self) -> StreamSettings:
        data = self.cleaned_data
        return StreamSettings(
            name=data["name"],
            query=data["query"],
            language=data.get("language") or "",
            daily_read_budget=data["daily_read_budget"],
            poll_interval_minutes=data["poll_interval_minutes"],
        )

    def cost_was_seen(self) -> bool:
        """The administrator pressed Save on a preview of this very budget."""
        return (
            "save" in self.data and self.cleaned_data.get("previewed_budget") == self.cleaned_data["daily_read_budget"]
        )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the company"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
