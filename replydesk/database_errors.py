"""A database lost in the middle of a request: a plain 503 page instead of a server error, and a fresh
connection for the next request. Redis lost likewise: the pages that need it are the ones allauth guards with
its rate limits (sign-in, sign-up, passwords), which fail closed with the same page rather than let
unlimited password guessing through.

Every state change runs in one transaction, so a connection that broke part-way left nothing behind: the
page can say that nothing was saved. The page renders without the request's context processors, which would
query the database that just failed.
"""

import logging

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Seconds a client (or a proxy) should wait before trying again.
RETRY_AFTER_SECONDS = 5


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RedisConnectionError | RedisTimeoutError):
            logger.error("Redis unavailable during %s %s", request.method, request.path, exc_info=exception)
            page = render_to_string("503_database.html", {"redis": True})
            return HttpResponse(page, status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("Database unavailable during %s %s", request.method, request.path, exc_info=exception)
        # A connection kept for reuse (CONN_MAX_AGE) may be the broken one: the next request opens its own.
        for connection in connections.all(initialized_only=True):
            connection.close()
        page = render_to_string("503_database.html")
        return HttpResponse(page, status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
