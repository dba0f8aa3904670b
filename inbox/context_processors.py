from . import notices


def overdue_banner(request) -> dict:
    """The supervisors' warning, on every page while questions in their queues wait past the second threshold."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"overdue_banner": notices.banner_text(user)}
