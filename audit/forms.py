"""The trail's filters, read from the query string: any value a person (or a hand-edited URL) sends is either
understood or answered with a message, never with a server error."""

import re
from datetime import UTC, datetime

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from .labels import ACTION_LABELS
from .selectors import TrailFilters

ACTION_PATTERN = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)*\.?")
TARGET_TYPE_PATTERN = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)*")
# The largest value of PostgreSQL's bigint: a larger "before" would make the query itself fail.
MAX_SEQUENCE = 2**63 - 1
# The query-string names of the filters, in the order they are shown (and carried into links).
FILTER_FIELDS = ("actor", "action", "target", "from", "to", "q")


class TrailFilterForm(forms.Form):
    actor = forms.CharField(
        label=_("Actor"),
        required=False,
        max_length=32,
        help_text=_("An employee number, or “system” for the worker."),
    )
    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=64,
        help_text=_("A code such as inbox.question.claimed, or a prefix ending in a dot such as inbox.reply."),
    )
    target = forms.CharField(
        label=_("Target"),
        required=False,
        max_length=140,
        help_text=_("A kind such as inbox.question, or one thing such as inbox.question:42."),
    )
    q = forms.CharField(
        label=_("Text"),
        required=False,
        max_length=200,
        help_text=_("Searched in the target and in the recorded data."),
    )
    # The keyset position: entries older than this sequence number (the "Older entries" link sets it).
    before = forms.IntegerField(
        label=_("Older than entry"), required=False, min_value=1, max_value=MAX_SEQUENCE, widget=forms.HiddenInput
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword, so these two cannot be declared as class attributes.
        widget_attrs = {"type": "datetime-local", "step": "1"}
        self.fields["from"] = forms.DateTimeField(
            label=_("From"),
            required=False,
            widget=forms.DateTimeInput(attrs=widget_attrs, format="%Y-%m-%dT%H:%M:%S"),
            help_text=_("Included."),
        )
        self.fields["to"] = forms.DateTimeField(
            label=_("Until"),
            required=False,
            widget=forms.DateTimeInput(attrs=widget_attrs, format="%Y-%m-%dT%H:%M:%S"),
            help_text=_("Not included."),
        )
        self.order_fields([*FILTER_FIELDS, "before"])
        self.fields["actor"].widget.attrs.update(autocomplete="off", spellcheck="false")
        self.fields["action"].widget.attrs.update(list="audit-actions", autocomplete="off", spellcheck="false")
        self.fields["target"].widget.attrs.update(autocomplete="off", spellcheck="false")

    def clean_actor(self) -> str:
        actor = self.cleaned_data["actor"]
        if any(c.isspace() for c in actor):
            raise forms.ValidationError(_("An employee number has no spaces."), code="invalid")
        return actor

    def clean_action(self) -> str:
        action = self.cleaned_data["action"].lower()
        if action and not ACTION_PATTERN.fullmatch(action):
            raise forms.ValidationError(
                _(
                    "Enter an action code such as inbox.question.claimed, "
                    "or the start of one ending in a dot such as inbox.reply."
                ),
                code="invalid",
            )
        return action

    def clean_target(self) -> tuple[str, str]:
        target = self.cleaned_data["target"]
        if not target:
            return ("", "")
        target_type, colon, target_id = target.partition(":")
        target_type = target_type.strip().lower()
        target_id = target_id.strip()
        if (
            not TARGET_TYPE_PATTERN.fullmatch(target_type)
            or (colon and not target_id)
            or len(target_id) > 64
            or any(c.isspace() for c in target_id)
        ):
            raise forms.ValidationError(
                _("Enter a kind such as inbox.question, or a kind and an id such as inbox.question:42."),
                code="invalid",
            )
        return (target_type, target_id)

    @staticmethod
    def _storable(value: datetime | None) -> datetime | None:
        # The database compares in UTC: a time that has no UTC equivalent (year 1 in Tokyo) would fail there,
        # and so would one sent with its own offset beyond PostgreSQL's ±15:59 (an ISO time typed in the URL).
        if value is None:
            return None
        try:
            in_utc = value.astimezone(UTC)
        except (OverflowError, ValueError):
            in_utc = None
        if in_utc is None or not 1900 <= in_utc.year <= 9999:
            raise forms.ValidationError(_("Enter a date between the years 1900 and 9999."), code="invalid")
        return in_utc

    def clean_from(self) -> datetime | None:
        return self._storable(self.cleaned_data["from"])

    def clean_to(self) -> datetime | None:
        return self._storable(self.cleaned_data["to"])

    def clean(self):
        data = super().clean()
        since, until = data.get("from"), data.get("to")
        if since is not None and until is not None and until <= since:
            self.add_error("to", forms.ValidationError(_("Choose an end after the start."), code="order"))
        return data

    def filters(self) -> TrailFilters:
        data = self.cleaned_data
        target_type, target_id = data["target"]
        return TrailFilters(
            actor=data["actor"],
            action=data["action"],
            target_type=target_type,
            target_id=target_id,
            since=data["from"],
            until=data["to"],
            text=data["q"],
        )

    def filters_as_strings(self) -> dict[str, str]:
        """The filters in force, as they are recorded with an export (times in UTC, ISO 8601)."""
        data = self.cleaned_data
        described = {
            "actor": data["actor"],
            "action": data["action"],
            "target": ":".join(part for part in data["target"] if part),
            "from": data["from"].astimezone(UTC).isoformat() if data["from"] else "",
            "to": data["to"].astimezone(UTC).isoformat() if data["to"] else "",
            "q": data["q"],
        }
        return {name: value for name, value in described.items() if value}

    def query_string(self) -> str:
        """The filters as typed, to carry into the next page's and the export links (never `before`)."""
        carried = QueryDict(mutable=True)
        for name in FILTER_FIELDS:
            value = self.data.get(name, "")
            if value:
                carried[name] = value
        return carried.urlencode()


def action_choices() -> list[tuple[str, str]]:
    """The known action codes with their readable labels, offered as suggestions in the action field."""
    return [(code, str(label)) for code, label in ACTION_LABELS.items()]
