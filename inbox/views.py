from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.access import ANSWERERS, require_role

from .access import access_queue, queues_for


@require_role(*ANSWERERS)
def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "inbox/inbox.html", {"queues": queues_for(request.user)})


@require_role(*ANSWERERS)
def queue_detail(request: HttpRequest, queue_id: int) -> HttpResponse:
    queue = access_queue(request.user, queue_id)
    return render(request, "inbox/queue.html", {"queue": queue})
