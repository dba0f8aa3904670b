"""Who may do what in listening: the one place that decides.

- Administrators create, change, pause and resume streams (they set what the company pays X for).
- Supervisors and administrators write notes for the company on hits.
- Supervisors, administrators and compliance officers read the streams and their hits; compliance officers only read.
- Nobody replies to a hit from here: X refuses replies to posts that did not mention or quote the account.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import Employee, Role

from .errors import NotAllowedToManage, NotAllowedToNote
from .models import ListeningHit, ListeningStream

MANAGER_ROLES = (Role.ADMINISTRATOR,)
NOTE_ROLES = (Role.SUPERVISOR, Role.ADMINISTRATOR)
READER_ROLES = (Role.SUPERVISOR, Role.ADMINISTRATOR, Role.COMPLIANCE)


def may_manage(actor: Employee) -> bool:
    return actor.has_role(*MANAGER_ROLES)


def may_note(actor: Employee) -> bool:
    return actor.has_role(*NOTE_ROLES)


def ensure_may_manage(actor: Employee) -> None:
    if not may_manage(actor):
        raise NotAllowedToManage()


def ensure_may_note(actor: Employee) -> None:
    if not may_note(actor):
        raise NotAllowedToNote()


def access_stream(actor: Employee, stream_id: int) -> ListeningStream:
    """A stream a reader opens: 403 for anyone else, 404 for one that does not exist."""
    if not actor.has_role(*READER_ROLES):
        raise PermissionDenied
    stream = ListeningStream.objects.filter(pk=stream_id).first()
    if stream is None:
        raise Http404
    return stream


def access_hit_to_note(actor: Employee, hit_id: int) -> ListeningHit:
    if not may_note(actor):
        raise PermissionDenied
    hit = ListeningHit.objects.select_related("stream").filter(pk=hit_id).first()
    if hit is None:
        raise Http404
    return hit
