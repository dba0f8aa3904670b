"""Answer /healthz before host validation and the HTTPS redirect: container health checks call it by IP over
plain HTTP, which ALLOWED_HOSTS and SECURE_SSL_REDIRECT would otherwise refuse."""

from .views import healthz


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            return healthz(request)
        return self.get_response(request)
