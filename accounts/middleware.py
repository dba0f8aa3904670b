"""Keep people who may not use the desk yet on the pages meant for them.

- pending or rejected sign-ups reach only their status page (and sign-out, language);
- supervisors, compliance officers and administrators without TOTP reach only the TOTP set-up pages,
  unless the desk runs in demo mode (which then says so on every page).
"""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from .mfa import has_totp
from .models import PRIVILEGED_ROLES, Employee

# The confirmation link proves the mailbox whoever follows it: a pending sign-up, still signed in after signing
# up, verifies its address from the same browser. The public check is the customers' page: open to anyone.
ALWAYS_ALLOWED = {
    "account_logout",
    "set_language",
    "healthz",
    "accounts:status",
    "javascript-catalog",
    "account_confirm_email",
    "verification:check",
}
MFA_SETUP = {
    "account_reauthenticate",
    "mfa_reauthenticate",
    "mfa_index",
    "mfa_activate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
}


def _redirect(request, url_name: str) -> HttpResponse:
    response = redirect(url_name)
    if request.headers.get("HX-Request"):
        # htmx would swap the target page into a fragment; make it load the page instead.
        response = HttpResponse(status=204, headers={"HX-Redirect": response["Location"]})
    return response


class AccountStatusMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if not user.is_authenticated or request.path_info.startswith(f"/{settings.STATIC_URL.strip('/')}/"):
            return self.get_response(request)
        try:
            url_name = resolve(request.path_info).view_name
        except Resolver404:
            return self.get_response(request)
        if url_name in ALWAYS_ALLOWED:
            return self.get_response(request)
        if user.status != Employee.Status.ACTIVE or user.role is None:
            return _redirect(request, "accounts:status")
        needs_totp = user.role in PRIVILEGED_ROLES and not settings.DEMO_MODE and url_name not in MFA_SETUP
        if needs_totp and not has_totp(user):
            messages.warning(
                request, _("Your role requires two-factor sign-in. Set up an authenticator app to continue.")
            )
            return _redirect(request, "mfa_activate_totp")
        return self.get_response(request)
