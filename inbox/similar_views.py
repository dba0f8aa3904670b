"""The compose page's similar past answers, loaded after the page (inbox/similar.py finds them)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.access import ANSWERERS, require_role

from .access import access_question
from .similar import similar_answers


@require_role(*ANSWERERS)
@require_GET
def similar_answers_view(request: HttpRequest, question_id: int) -> HttpResponse:
    question = access_question(request.user, question_id)
    return render(
        request,
        "inbox/_similar_answers.html",
        {"question": question, "answers": similar_answers(question, request.user)},
    )
