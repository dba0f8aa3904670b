"""Where the current request came from, so that the recorder can stamp entries without every caller passing it."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    source_address: str | None = None
    request_id: str = ""


_OUTSIDE_REQUESTS = RequestContext()
_current: ContextVar[RequestContext | None] = ContextVar("audit_request_context", default=None)


def current_request_context() -> RequestContext:
    """The bound request's context; workers and commands get an empty one (no address, no request id)."""
    return _current.get() or _OUTSIDE_REQUESTS


def bind_request_context(context: RequestContext):
    """Bind for the length of a request; returns the token to give back to `unbind_request_context`."""
    return _current.set(context)


def unbind_request_context(token) -> None:
    _current.reset(token)
