"""Checkpoints: the chain's head written outside the database, so that even a superuser who rewrites the
whole chain (and every hash in it) is caught by comparing it with what was written down before."""

import json
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import AuditCheckpoint, AuditSeal


def checkpoint_file() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_FILE)


def write_checkpoint() -> AuditCheckpoint | None:
    """Record the current head (if it moved) in the table, the checkpoint file and, if set, an e-mail."""
    head = AuditSeal.objects.order_by("-seq").values_list("seq", "hash").first()
    if head is None:
        return None
    last = AuditCheckpoint.objects.order_by("-seq").first()
    if last is not None and last.seq == head[0]:
        return last
    seq, head_hash = head
    now = timezone.now()
    line = json.dumps({"seq": seq, "head_hash": head_hash, "time": now.isoformat()})
    path = checkpoint_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(line + "\n")
    with transaction.atomic(durable=True):
        checkpoint = AuditCheckpoint.objects.create(seq=seq, head_hash=head_hash, created_at=now, written_to=str(path))
    if settings.AUDIT_CHECKPOINT_EMAIL:
        send_mail(f"replydesk audit checkpoint {seq}", line, None, [settings.AUDIT_CHECKPOINT_EMAIL])
    return checkpoint


def written_checkpoints() -> list[dict]:
    """The checkpoints in the file (the copy outside the database); unreadable lines are reported, not skipped."""
    path = checkpoint_file()
    if not path.exists():
        return []
    checkpoints = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            checkpoints.append({"seq": int(data["seq"]), "head_hash": str(data["head_hash"]), "line": number})
        except (ValueError, KeyError, TypeError):
            checkpoints.append({"seq": None, "head_hash": None, "line": number})
    return checkpoints
