"""A partial (htmx) request that finds its session gone never gets the sign-in page.

htmx follows the redirect that `login_required` answers and would swap the whole sign-in page (banner, header and
all) into the fragment it asked for: a holder line, a live poll, a lease. Signed-out partial requests are answered
401 instead, with an `HX-Trigger` event, "replydesk:signed-out", whose detail names the sign-in address that brings
the person back to the page they were on (`next`, from htmx's HX-Current-URL). The page listens for it and says so
in a banner (static/js/signed_out.js), keeping what was typed; pages without the banner simply stop swapping.

Only answers that send a signed-out person to the sign-in page are changed: a signed-in person's requests, and
signed-out requests for anything else (the sign-in form itself, the language switch), pass as they are.
"""

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

SIGNED_OUT_EVENT = "replydesk:signed-out"
REDIRECTS = {301, 302, 303, 307, 308}


def _sends_to_sign_in(response: HttpResponse, sign_in: str) -> bool:
    return response.status_code in REDIRECTS and urlsplit(response.get("Location", "")).path == sign_in


def _page_of(request: HttpRequest) -> str:
    """The address of the page that made the partial request, if it is one of ours; else nothing."""
    current = request.headers.get("HX-Current-URL", "")
    if not current or not url_has_allowed_host_and_scheme(
        current, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    parts = urlsplit(current)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class SignedOutHtmxMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.headers.get("HX-Request") or request.user.is_authenticated:
            return response
        sign_in = resolve_url(settings.LOGIN_URL)
        if not _sends_to_sign_in(response, sign_in):
            return response
        page = _page_of(request)
        address = f"{sign_in}?{urlencode({'next': page})}" if page else sign_in
        return HttpResponse(
            b"Signed out\n",
            status=401,
            content_type="text/plain; charset=utf-8",
            headers={"HX-Trigger": json.dumps({SIGNED_OUT_EVENT: {"signIn": address}})},
        )
