"""Who may reach which page: one decorator for roles, used by every view that is not open to all."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .models import Employee, Role


def require_role(*roles: Role) -> Callable:
    """Signed in, active, and holding one of `roles`; otherwise the login page or 403."""

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.has_role(*roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.required_roles = roles
        return wrapped

    return decorator


STAFF_MANAGERS = (Role.SUPERVISOR, Role.ADMINISTRATOR)
ANSWERERS = (Role.EMPLOYEE, Role.SUPERVISOR)
TRAIL_READERS = (Role.COMPLIANCE, Role.ADMINISTRATOR)


def access_employee(actor: Employee, employee_id: int) -> Employee:
    """The employee a staff manager asked for; managers see everyone, so unknown ids are the only 404."""
    if not actor.has_role(*STAFF_MANAGERS):
        raise PermissionDenied
    return get_object_or_404(Employee.objects.prefetch_related("groups"), pk=employee_id)
