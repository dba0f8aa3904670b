from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.access import TRAIL_READERS, require_role

from .models import AuditEntry

PAGE_SIZE = 50


@require_role(*TRAIL_READERS)
def trail(request: HttpRequest) -> HttpResponse:
    """The newest entries first, paged by sequence number (keyset), so the page costs the same at any depth."""
    entries = AuditEntry.objects.order_by("-id")
    before = request.GET.get("before", "")
    if before.isascii() and before.isdigit():
        entries = entries.filter(id__lt=int(before))
    rows = list(entries[: PAGE_SIZE + 1])
    older = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
    return render(request, "audit/trail.html", {"entries": rows[:PAGE_SIZE], "older": older})
