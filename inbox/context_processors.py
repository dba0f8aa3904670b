from accounts.access import ANSWERERS

from . import approval_selectors, escalation_selectors, notices, notifications
from .access import may_approve_anything, may_see_escalations


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
    if not user.has_role(*ANSWERERS) or not may_see_escalations(user):
        return {"sees_escalations": False}
    return {"sees_escalations": True, "escalations_waiting": escalation_selectors.live_count(user)}
