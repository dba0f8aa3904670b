from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache

from accounts.models import Role
from inbox.access import may_see_escalations, queue_ids_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each person to the page their role starts from."""
    role = request.user.role
    if role in (Role.SUPERVISOR, Role.ADMINISTRATOR):
        return redirect("accounts:staff_list")
    if role == Role.COMPLIANCE:
        return redirect("audit:trail")
    if not queue_ids_for(request.user) and may_see_escalations(request.user):
        # A department's member with no queue of their own works from the escalations.
        return redirect("inbox:escalations")
    return redirect("inbox:inbox")


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers and docker-compose: the process answers and the database does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
