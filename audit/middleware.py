import re
import uuid

from .context import RequestContext, bind_request_context, unbind_request_context

# A request id from a proxy is kept only when it looks like one, so it cannot smuggle text into the trail.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get("X-Request-ID", "")
        request_id = offered if _REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        token = bind_request_context(
            RequestContext(source_address=request.META.get("REMOTE_ADDR") or None, request_id=request_id)
        )
        try:
            response = self.get_response(request)
        finally:
            unbind_request_context(token)
        response["X-Request-ID"] = request_id
        return response
