from accounts.access import ANSWERERS

from . import approval_selectors, escalation_selectors, notices, notifications
from .access import may_approve_anything


def overdue_banner(request) -> dict:
    """The supervisors' warning, on every page while questions in their queues wait past the second threshold; the
    count of a person's unseen notifications, and of the replies waiting for their approval, in the navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "overdue_banner": notices.banner_text(user),
        "notifications_unseen": notifications.unseen_count(user) if user.has_role(*ANSWERERS) else 0,
        "approvals_waiting": approval_selectors.waiting_count(user) if may_approve_anything(user) else 0,
        **_escalations(user),
    }


def _escalations(user) -> dict:
    """The Escalations link, for supervisors and department members, with the count not accepted yet."""
    count = escalation_selectors.navigation_count(user)
    return {"sees_escalations": count is not None, "escalations_waiting": count or 0}
