from accounts.access import ANSWERERS

from . import notices, notifications


def overdue_banner(request) -> dict:
    """The supervisors' warning, on every page while questions in their queues wait past the second threshold; and
    the count of a person's unseen notifications, in the navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "overdue_banner": notices.banner_text(user),
        "notifications_unseen": notifications.unseen_count(user) if user.has_role(*ANSWERERS) else 0,
    }
