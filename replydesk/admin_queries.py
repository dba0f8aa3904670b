"""The Django admin's list pages turn their query string into database filters and searches: PostgreSQL refuses
NUL in text, so `?status=%00` would fail in the query itself, a server error. Such a request is refused first,
for every admin page at once, with the desk's "could not read what was sent" page (400)."""

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.urls import reverse


class AdminQueryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(reverse("admin:index")) and any(
            "\x00" in text for name, values in request.GET.lists() for text in (name, *values)
        ):
            raise BadRequest("NUL in an admin page's query string")
        return self.get_response(request)
