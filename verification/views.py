"""The public check (no sign-in, GET forms that work without JavaScript) and the administrators' editor of its
"how to recognise us" block."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import require_role
from accounts.models import Role
from audit.context import current_request_context

from . import answers, counters, guide, rate_limit, selectors, services
from .errors import ChangedMeanwhile, GuideError
from .forms import GuideForm
from .post_links import MAX_INPUT_LENGTH


def _may_edit(request: HttpRequest) -> bool:
    return request.user.is_authenticated and request.user.has_role(Role.ADMINISTRATOR)


# never_cache: an answer is true when it is given (a number may stop being authorised), and the page carries the
# visitor's CSRF token for the language form, which a shared cache must not hand to the next visitor.
@never_cache
@require_GET
def check(request: HttpRequest) -> HttpResponse:
    post = request.GET.get("post", "")[: MAX_INPUT_LENGTH + 1]
    signature = request.GET.get("signature", "")[: MAX_INPUT_LENGTH + 1]
    shown = guide.shown(selectors.current_guide(), get_language())
    answer, refusal = None, None
    if post.strip() or signature.strip():
        refusal = rate_limit.take_check(current_request_context().source_address)
        if refusal is not None:
            answer = answers.refused(refusal)
        elif post.strip():
            answer = answers.for_post(post, shown)
        else:
            answer = answers.for_signature(signature, shown)
    response = render(
        request,
        "verification/check.html",
        {
            "answer": answer,
            "post": post if post.strip() else "",
            "signature": signature if not post.strip() else "",
            "guide": shown,
            "may_edit": _may_edit(request),
            "signature_prefix": settings.REPLY_SIGNATURE_PREFIX,
            "signature_example": f"{settings.REPLY_SIGNATURE_PREFIX}{settings.EMPLOYEE_NUMBER_HINT}",
        },
        status=429 if refusal is not None else 200,
    )
    if refusal is not None:
        response["Retry-After"] = str(refusal.retry_after_seconds)
    return response


def _editor(request: HttpRequest, form: GuideForm, *, status: int = 200) -> HttpResponse:
    return render(
        request,
        "verification/guide_form.html",
        {"form": form, "current": selectors.current_guide(), "days": counters.recent_days()},
        status=status,
    )


@require_role(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def edit_guide(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        current = selectors.current_guide()
        texts = current.texts() if current is not None else guide.default_texts()
        return _editor(request, GuideForm(initial={"based_on": current.version if current else 0, **texts}))
    form = GuideForm(request.POST)
    if not form.is_valid():
        return _editor(request, form, status=400)
    try:
        services.update_recognition_guide(
            actor=request.user, texts=form.cleaned_data, based_on=form.cleaned_data["based_on"]
        )
    except ChangedMeanwhile as conflict:
        messages.error(request, conflict.message)
        # The editor's words stay; saving again now replaces the newer version on purpose.
        retry = GuideForm({**request.POST.dict(), "based_on": conflict.current_version})
        return _editor(request, retry, status=409)
    except GuideError as refused:
        messages.error(request, refused.message)
        return _editor(request, form, status=403)
    messages.success(request, _("Saved. Customers see the new block on the check page now."))
    return redirect("verification:check")
