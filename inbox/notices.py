"""Overdue warnings to supervisors: in the desk (a banner and the overdue view) and by e-mail.

The sweep writes the notices in its transaction; the e-mail goes out here, after commit and outside any
transaction. A notice is taken for mailing by a conditional UPDATE (so two mailers never send it twice) and
marked mailed afterwards; one whose mailer died is taken again after MAILING_STALE. One e-mail per supervisor
lists every question they are warned about in that run.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from accounts.models import Employee

from .access import may_supervise, queues_for
from .models import OverdueNotice, Question

MAILING_STALE = timedelta(minutes=10)
BATCH = 500


def mail_pending(*, now: datetime | None = None) -> int:
    """Mail the notices not mailed yet; returns how many notices were mailed."""
    now = now or timezone.now()
    taken = _take_for_mailing(now)
    if not taken:
        return 0
    notices = list(
        OverdueNotice.objects.filter(pk__in=taken).select_related("question__customer", "queue").order_by("id")
    )
    by_number: dict[str, list[OverdueNotice]] = defaultdict(list)
    for notice in notices:
        for number in notice.recipients.split():
            by_number[number].append(notice)
    addresses = dict(
        Employee.objects.filter(employee_number__in=by_number, status=Employee.Status.ACTIVE)
        .exclude(email="")
        .values_list("employee_number", "email")
    )
    messages = [_message(addresses[number], items) for number, items in by_number.items() if number in addresses]
    if messages:
        send_mass_mail(messages, fail_silently=False)
    return OverdueNotice.objects.filter(pk__in=taken, mailing_since=now).update(mailed_at=timezone.now())


@transaction.atomic(durable=True)
def _take_for_mailing(now: datetime) -> list[int]:
    ids = list(
        OverdueNotice.objects.select_for_update(skip_locked=True)
        .filter(Q(mailing_since__isnull=True) | Q(mailing_since__lt=now - MAILING_STALE), mailed_at__isnull=True)
        .order_by("id")
        .values_list("pk", flat=True)[:BATCH]
    )
    OverdueNotice.objects.filter(pk__in=ids).update(mailing_since=now)
    return ids


def _message(address: str, notices: list[OverdueNotice]) -> tuple[str, str, str, list[str]]:
    for notice in notices:
        notice.url = absolute_url(reverse("inbox:question", args=[notice.question_id]))
    with translation.override(settings.LANGUAGE_CODE):
        subject = ngettext(
            "%(count)d question has waited far past its service level",
            "%(count)d questions have waited far past their service level",
            len(notices),
        ) % {"count": len(notices)}
        body = render_to_string(
            "inbox/email/overdue_warning.txt",
            {"notices": notices, "overdue_url": absolute_url(reverse("inbox:overdue"))},
        )
    return (f"[replydesk] {subject}", body, settings.DEFAULT_FROM_EMAIL, [address])


def absolute_url(path: str) -> str:
    """A link for a mail: the desk's address (SITE_URL) before the path, when it is set."""
    return f"{settings.SITE_URL.rstrip('/')}{path}" if settings.SITE_URL else path


def warned_questions_for(supervisor: Employee) -> QuerySet[Question]:
    """Open questions whose supervisors were warned, in the queues this supervisor answers (the banner)."""
    return Question.objects.warned().filter(queue__in=queues_for(supervisor))


def banner_text(supervisor: Employee) -> str | None:
    if not may_supervise(supervisor):
        return None
    count = warned_questions_for(supervisor).count()
    if not count:
        return None
    return ngettext(
        "%(count)d question in your queues has waited so long that supervisors are warned.",
        "%(count)d questions in your queues have waited so long that supervisors are warned.",
        count,
    ) % {"count": count}
