"""A signed-in person's pages are never stored by a browser or a proxy: `Cache-Control: no-store`.

Every page behind the sign-in shows what only that person may see (customers' posts, the audit trail, recovery
codes), and a stored copy outlives the session: the browser's back button after signing out on a shared
computer, or a caching proxy that hands one person's page to the next. Static files are served by whitenoise
before this middleware is reached and keep their long cache lifetimes; a view that chose its own Cache-Control
(the compliance pages' never_cache) keeps it.
"""

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class PrivatePagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Read after the view: signing in or out during the request decides for its own response too.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response
