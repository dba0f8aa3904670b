"""A person's notifications, and the live badges of the navigation (notifications, the supervisors' warning)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.access import ANSWERERS, require_role

from . import approval_selectors, notices, notifications
from .access import may_approve_anything


@require_role(*ANSWERERS)
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    items = notifications.recent(request.user)
    unseen = [n for n in items if n.seen_at is None]
    return render(
        request,
        "inbox/notifications.html",
        {"notifications": items, "unseen": len(unseen), "newest_id": max((n.pk for n in unseen), default=None)},
    )


@require_role(*ANSWERERS)
@require_POST
def mark_seen(request: HttpRequest) -> HttpResponse:
    up_to = request.POST.get("up_to", "")
    marked = notifications.mark_seen(request.user, up_to=int(up_to) if up_to.isdigit() and len(up_to) < 19 else None)
    messages.success(
        request,
        ngettext("%(count)d notification marked as seen.", "%(count)d notifications marked as seen.", marked)
        % {"count": marked},
    )
    return redirect("inbox:notifications")


@login_required
@require_GET
def badges(request: HttpRequest) -> HttpResponse:
    """The navigation's counts as htmx out-of-band fragments: polled by every page, a few indexed counts."""
    reads_notifications = request.user.has_role(*ANSWERERS)
    approves = may_approve_anything(request.user)
    return render(
        request,
        "inbox/_badges.html",
        {
            "reads_notifications": reads_notifications,
            "notifications_unseen": notifications.unseen_count(request.user) if reads_notifications else 0,
            "overdue_banner": notices.banner_text(request.user),
            "approves": approves,
            "approvals_waiting": approval_selectors.waiting_count(request.user) if approves else 0,
        },
    )
