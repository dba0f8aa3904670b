from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Employee

from .access import answerers_of
from .models import Department, Escalation, Question
from .selectors import DUE, NEWEST, WAITING, InboxFilters


class InboxFilterForm(forms.Form):
    """The inbox's filters, all in the address: what a person sees can be reloaded, bookmarked and shared."""

    SORT_CHOICES = [
        (WAITING, _("Waiting longest, urgent first")),
        (NEWEST, _("Newest first")),
        (DUE, _("Due soonest")),
    ]

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    queue = forms.TypedChoiceField(label=_("Queue"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), choices=Question.Status.choices, required=False)
    sort = forms.ChoiceField(label=_("Sort"), choices=SORT_CHOICES, required=False)
    mine = forms.BooleanField(label=_("Held by me"), required=False)
    overdue = forms.BooleanField(label=_("Overdue"), required=False)
    after = forms.CharField(required=False, max_length=80, widget=forms.HiddenInput)

    def __init__(self, *args, queues, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["queue"].choices = [("", _("All my queues"))] + [(q.pk, q.name) for q in queues]

    def filters(self) -> InboxFilters:
        data = self.cleaned_data
        return InboxFilters(
            queue_id=data["queue"],
            status=data["status"] or Question.Status.OPEN,
            mine=data["mine"],
            overdue=data["overdue"],
            sort=data["sort"] or WAITING,
            search=data["q"].strip(),
            after=data["after"],
        )


class ReplyForm(forms.Form):
    token = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("This form has no claim token; reload the question and claim it again."),
            "invalid": _("This form has no claim token; reload the question and claim it again."),
        },
    )
    # Far above what 280 weighted characters allow, yet it bounds the URL scanner's worst case.
    body = forms.CharField(
        label=_("Reply"),
        max_length=2_000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5, "data-weighted-limit": "280", "id": "reply-body"}),
        error_messages={"required": _("Write a reply first.")},
    )
    # The reply template the text started from (static/js/templates.js sets it): an unedited one needs no approval
    # for its words, an edited one does.
    template = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


# The refusal is shown as a message above the question, away from the field: it must name what is missing.
REASON_REQUIRED = {"required": _("Give a reason.")}


class ReasonForm(forms.Form):
    """A supervisor's reason; each use names what it is the reason for (the page shows several at once)."""

    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.TextInput, error_messages=REASON_REQUIRED)

    def __init__(self, *args, label: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["reason"].label = label


class ReassignForm(forms.Form):
    employee = forms.ModelChoiceField(
        label=_("Hand to"),
        queryset=Employee.objects.none(),
        error_messages={"required": _("Choose who takes the question.")},
    )
    reason = forms.CharField(
        label=_("Reason to hand it on"),
        max_length=500,
        widget=forms.TextInput,
        error_messages=REASON_REQUIRED,
    )

    def __init__(self, *args, question: Question, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employee"].queryset = answerers_of(question.queue)
        self.fields["employee"].empty_label = _("Choose who takes it…")


class ApproveForm(forms.Form):
    """An approver's decision to let a draft out: as shown (the hash of what they saw), or with their edit."""

    seen = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=64)
    body = forms.CharField(
        label=_("Reply, as you approve it"),
        required=False,
        max_length=2_000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6, "data-weighted-limit": "280"}),
    )
    edit = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def edited_body(self) -> str | None:
        return self.cleaned_data["body"] if self.cleaned_data["edit"] else None


class RejectForm(forms.Form):
    seen = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=64)
    comment = forms.CharField(
        label=_("Comment for the author"),
        max_length=1_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why you reject it: the author reads your comment.")},
    )


class ApprovalRulesForm(forms.Form):
    """A new version of the risk rules (inbox/approval_rules.py publish_rules)."""

    keywords = forms.CharField(
        label=_("Keywords"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "One per line. A reply containing one needs approval; full-width and half-width letters and digits, "
            "and upper and lower case, count as the same."
        ),
    )
    personal_data = forms.MultipleChoiceField(
        label=_("Personal data"),
        required=False,
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A reply that shows one of these needs approval."),
    )
    allowed = forms.CharField(
        label=_("The company's own phone numbers and addresses"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One per line: the call centre's phone number, the support e-mail or postal address. Never counted as "
            "personal data, however they are written."
        ),
    )
    first_replies = forms.IntegerField(
        label=_("A new employee's first replies"),
        min_value=0,
        max_value=100,
        initial=0,
        help_text=_("How many of each employee's first replies need approval (0: none)."),
    )

    def __init__(self, *args, personal_data_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["personal_data"].choices = personal_data_choices


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, department: Department) -> str:
        if department.kind == Department.Kind.OFF_DESK:
            return _("%(department)s (by e-mail)") % {"department": department.name()}
        return department.name()


class EscalateForm(forms.Form):
    department = DepartmentChoiceField(
        label=_("Department"),
        queryset=Department.objects.filter(is_active=True),
        to_field_name="code",
        empty_label=_("Choose a department…"),
        error_messages={"required": _("Choose the department to hand it to.")},
    )
    reason = forms.ChoiceField(
        label=_("Why"),
        choices=[("", _("Choose a reason…")), *Escalation.Reason.choices],
        error_messages={"required": _("Choose why it goes to the department.")},
    )
    note = forms.CharField(
        label=_("Internal note"),
        required=False,
        max_length=2_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For the department only: never posted, and kept out of quality review."),
    )
    # The holder's claim token (a supervisor escalates without one).
    token = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("", _("Choose the outcome…")), *Escalation.Outcome.choices],
        error_messages={"required": _("Choose the outcome: how the department settled it.")},
    )
    note = forms.CharField(
        label=_("Outcome note"), required=False, max_length=2_000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReturnForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the queue"),
        max_length=2_000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Write a note for the queue: why the department gives it back.")},
    )
