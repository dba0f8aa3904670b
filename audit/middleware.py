import ipaddress
import re
import uuid

from django.conf import settings

from .context import RequestContext, bind_request_context, unbind_request_context

# A request id from a proxy is kept only when it looks like one, so it cannot smuggle text into the trail.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def _client_address(request, behind_proxy: bool) -> str | None:
    if behind_proxy:
        # The proxy in front appends the address it was called from as the last X-Forwarded-For hop;
        # earlier hops come from the client and prove nothing.
        hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",") if hop.strip()]
        if hops:
            try:
                return str(ipaddress.ip_address(hops[-1]))
            except ValueError:
                pass
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        behind_proxy = settings.SECURE_PROXY_SSL_HEADER is not None
        # Only our own proxy's headers are trusted: a request id and the client address it saw.
        offered = request.headers.get("X-Request-ID", "") if behind_proxy else ""
        request_id = offered if _REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        token = bind_request_context(
            RequestContext(source_address=_client_address(request, behind_proxy), request_id=request_id)
        )
        try:
            response = self.get_response(request)
        finally:
            unbind_request_context(token)
        response["X-Request-ID"] = request_id
        return response
