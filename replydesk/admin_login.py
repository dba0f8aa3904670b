"""The Django admin has no sign-in door of its own: everyone signs in through allauth (rate limits, MFA)."""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse


def admin_login(request: HttpRequest, extra_context=None) -> HttpResponse:
    if request.user.is_authenticated:
        # Signed in but not an administrator: the admin is not theirs.
        raise PermissionDenied
    return redirect_to_login(request.GET.get("next", reverse("admin:index")), reverse("account_login"))
