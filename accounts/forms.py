from allauth.account.forms import LoginForm, SignupForm
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from inbox.models import Queue

from .models import Role


class EmployeeSignupForm(SignupForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        number = self.fields["username"]
        number.label = _("Employee number")
        number.help_text = _(
            "The staff number on your card, e.g. %(hint)s. Customers will see it under your replies."
        ) % {"hint": settings.EMPLOYEE_NUMBER_HINT}
        number.widget.attrs.update({"placeholder": settings.EMPLOYEE_NUMBER_HINT, "autocomplete": "username"})
        self.fields["email"].label = _("Work e-mail")


class EmployeeLoginForm(LoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Employee number or e-mail")
        # allauth's sign-in page shows placeholders instead of labels.
        self.fields["login"].widget.attrs["placeholder"] = _("Employee number or e-mail")
        if "remember" in self.fields:
            # allauth's "Remember Me", which its Japanese calls ログイン: the desk says "sign in" (サインイン).
            self.fields["remember"].label = _("Keep me signed in on this browser")

    def clean(self):
        try:
            return super().clean()
        except ValidationError as error:
            if error.code not in WRONG_CREDENTIALS:
                raise
            # allauth names the "username" or the "email address" it guessed was typed; the desk signs in with either.
            raise ValidationError(
                _("The employee number or e-mail, or the password, is not correct."), code=error.code
            ) from None


WRONG_CREDENTIALS = {"username_password_mismatch", "email_password_mismatch"}


class ApprovalForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.EMPLOYEE)
    queues = forms.ModelMultipleChoiceField(
        label=_("Queues this person may answer"),
        queryset=Queue.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, grantable_roles: set[Role], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.value, r.label) for r in Role if r in grantable_roles]


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args, grantable_roles: set[Role], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.value, r.label) for r in Role if r in grantable_roles]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give a reason.")},
    )
