"""Hourly checkpoints: the chain's head noted in the database and, when AUDIT_CHECKPOINT_EMAIL is set, mailed.

The anchors (audit/anchors.py) are what protects the trail: every batch is written outside the database before
it commits. The checkpoint adds a second copy of the head at a slower pace, one a person reads: a mail a day's
worth of which fits in an inbox, and the integrity page's "last checkpoint".
"""

import json

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import AuditCheckpoint, AuditSeal


def write_checkpoint() -> AuditCheckpoint | None:
    """Note the current head (if it moved since the last checkpoint), and mail it if an address is set."""
    head = AuditSeal.objects.order_by("-seq").values_list("seq", "hash").first()
    if head is None:
        return None
    last = AuditCheckpoint.objects.order_by("-seq").first()
    if last is not None and last.seq == head[0]:
        return last
    seq, head_hash = head
    now = timezone.now()
    mailed_to = settings.AUDIT_CHECKPOINT_EMAIL
    with transaction.atomic(durable=True):
        checkpoint = AuditCheckpoint.objects.create(seq=seq, head_hash=head_hash, created_at=now, written_to=mailed_to)
    if mailed_to:
        line = json.dumps({"seq": seq, "head_hash": head_hash, "time": now.isoformat()})
        send_mail(f"replydesk audit checkpoint {seq}", line, None, [mailed_to])
    return checkpoint
