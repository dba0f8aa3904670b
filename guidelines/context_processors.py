from django.utils.functional import SimpleLazyObject

from accounts.access import ANSWERERS

from .acceptance import version_required_of


def must_accept(request) -> dict:
    """`guidelines_to_accept`: the version of the guidelines the signed-in person must accept before they claim or send
    (the navigation's mark, the inbox's and the question page's banner), or None. Asked only by a page that shows it,
    once per request."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "guidelines_to_accept": SimpleLazyObject(
            lambda: version_required_of(user) if user.has_role(*ANSWERERS) else None
        )
    }
