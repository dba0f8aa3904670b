"""The product's URLs plus /bench/bare/, so that the bare view never ships in replydesk.urls."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def bare(request: HttpRequest) -> HttpResponse:
    # The floor: the same middleware stack and server as the inbox page, but no query and no template.
    return HttpResponse(b"ok\n", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare, name="bench-bare"),
    path("", include("replydesk.urls")),
]
