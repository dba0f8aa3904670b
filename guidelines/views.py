"""The guidelines pages: the version in force (with the button that accepts it), the history, publishing a new version
(administrators), and who accepted which version (supervisors, administrators, compliance officers). Each view is one
access check, one service call or selector, and one response."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import ANSWERERS, require_role

from . import changes, exports, selectors, services
from .access import OVERSEER_ROLES, PUBLISHER_ROLES, READER_ROLES, may_oversee, may_publish
from .errors import GuidelinesError, PublishedMeanwhile
from .forms import AcknowledgeForm, PublishForm
from .models import GuidelinesVersion
from .rendering import render_markdown

LANGUAGES = ("ja", "en")


def _text_language(request: HttpRequest) -> str:
    """The language of the text shown: asked for (?text=ja|en), else the page's."""
    asked = request.GET.get("text", "")
    if asked in LANGUAGES:
        return asked
    return "ja" if (get_language() or "").startswith("ja") else "en"


def _safe_next(request: HttpRequest, target: str) -> str:
    """Where to go after accepting: a page of this desk the person came from, never another site."""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


def _text(request: HttpRequest, version: GuidelinesVersion, language: str) -> dict:
    """A version's text in `language` (or the other language, said so, when this one is empty), and the address of
    the same page showing the other language's text."""
    other = "en" if language == "ja" else "ja"
    query = {"text": other, **({"next": request.GET["next"]} if request.GET.get("next") else {})}
    return {
        "language": language,
        "body": render_markdown(version.body_for(language)),
        "fallback": not version.has_body(language),
        "other_language_url": f"{request.path}?{urlencode(query)}" if version.has_body(other) else "",
        "other_language": other,
    }


def _tabs(request: HttpRequest, tab: str) -> dict:
    return {"tab": tab, "may_publish": may_publish(request.user), "may_oversee": may_oversee(request.user)}


@require_role(*READER_ROLES)
@require_GET
def current(request: HttpRequest) -> HttpResponse:
    standing = selectors.standing_of(request.user)
    language = _text_language(request)
    context = {
        "standing": standing,
        "version": standing.current,
        **_tabs(request, "current"),
        "form": AcknowledgeForm(
            initial={
                "version": standing.current.number if standing.current else None,
                "next": _safe_next(request, request.GET.get("next", "")),
            }
        ),
    }
    if standing.current is not None:
        context.update(_text(request, standing.current, language))
        older = standing.accepted_older
        if older is not None:
            context["changes"] = changes.line_changes(older.body_for(language), standing.current.body_for(language))
    return render(request, "guidelines/current.html", context)


@require_role(*READER_ROLES)
@require_POST
def acknowledge(request: HttpRequest) -> HttpResponse:
    form = AcknowledgeForm(request.POST)
    target = _safe_next(request, request.POST.get("next", ""))
    back = reverse("guidelines:current") + (f"?{urlencode({'next': target})}" if target else "")
    if not form.is_valid():
        messages.error(request, _("That form was incomplete; nothing was recorded. Accept the guidelines below."))
        return redirect(back)
    try:
        accepted = services.acknowledge(request.user, form.cleaned_data["version"])
    except GuidelinesError as refused:
        messages.error(request, refused.message)
        return redirect(back)
    messages.success(
        request,
        _("You accepted version %(number)d of the guidelines. You may claim and answer questions.")
        % {"number": accepted.version.number}
        if request.user.has_role(*ANSWERERS)
        else _("You accepted version %(number)d of the guidelines.") % {"number": accepted.version.number},
    )
    if target:
        return redirect(target)
    return redirect("inbox:inbox" if request.user.has_role(*ANSWERERS) else "guidelines:current")


@require_role(*READER_ROLES)
@require_GET
def versions(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "guidelines/versions.html",
        {"versions": selectors.versions(), **_tabs(request, "versions")},
    )


@require_role(*READER_ROLES)
@require_GET
def version(request: HttpRequest, number: int) -> HttpResponse:
    shown = selectors.version_numbered(number)
    if shown is None:
        raise Http404("no such version of the guidelines")
    language = _text_language(request)
    previous = selectors.version_numbered(number - 1) if number > 1 else None
    context = {
        "version": shown,
        "previous": previous,
        "current": selectors.current_version(),
        **_tabs(request, "versions"),
        **_text(request, shown, language),
    }
    if previous is not None:
        context["changes"] = changes.line_changes(previous.body_for(language), shown.body_for(language))
    return render(request, "guidelines/version.html", context)


def _publish_page(request: HttpRequest, form: PublishForm, *, status: int = 200, preview: bool = False) -> HttpResponse:
    current_version = selectors.current_version()
    context = {"form": form, "current": current_version, **_tabs(request, "publish")}
    if preview:
        data = form.cleaned_data
        context["preview"] = {
            "ja": render_markdown(services.normalized(data["body_ja"])),
            "en": render_markdown(services.normalized(data["body_en"])),
        }
        if current_version is not None:
            language = _text_language(request)
            context["preview_language"] = language
            proposed = services.normalized(data["body_ja" if language == "ja" else "body_en"])
            context["changes"] = changes.line_changes(current_version.body_for(language), proposed)
    return render(request, "guidelines/publish.html", context, status=status)


@require_role(*PUBLISHER_ROLES)
@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest) -> HttpResponse:
    """The form starts from the version in force; "Preview" shows the rendered text and what changed, saving
    nothing; "Publish" publishes it."""
    if request.method == "GET":
        in_force = selectors.current_version()
        initial = {"based_on": 0, "requires_acknowledgement": True}
        if in_force is not None:
            initial.update(body_ja=in_force.body_ja, body_en=in_force.body_en, based_on=in_force.number)
        return _publish_page(request, PublishForm(initial=initial))
    form = PublishForm(request.POST)
    if not form.is_valid():
        return _publish_page(request, form, status=400)
    if "publish" not in request.POST:
        return _publish_page(request, form, preview=True)
    data = form.cleaned_data
    try:
        published = services.publish_version(
            actor=request.user,
            body_ja=data["body_ja"],
            body_en=data["body_en"],
            summary=data["summary"],
            requires_acknowledgement=data["requires_acknowledgement"],
            based_on=data["based_on"],
        )
    except PublishedMeanwhile as refused:
        messages.error(request, refused.message)
        # Shown with what changed against the newer version: publishing this form again replaces that one knowingly.
        seen = PublishForm({**request.POST.dict(), "based_on": refused.number})
        seen.is_valid()
        return _publish_page(request, seen, status=409, preview=True)
    except GuidelinesError as refused:
        messages.error(request, refused.message)
        return _publish_page(request, form, status=409, preview=True)
    if published.requires_acknowledgement:
        done = _(
            "Version %(number)d is published and in force. Everyone who answers must accept it before they claim or "
            "send again."
        )
    else:
        done = _("Version %(number)d is published and in force. Nobody has to accept it again.")
    messages.success(request, done % {"number": published.number})
    return redirect("guidelines:current")


@require_role(*OVERSEER_ROLES)
@require_GET
def acknowledgements(request: HttpRequest) -> HttpResponse:
    only_still_to_accept = request.GET.get("show") == "pending"
    return render(
        request,
        "guidelines/acknowledgements.html",
        {
            "listing": selectors.acceptance_list(only_still_to_accept=only_still_to_accept),
            "only_still_to_accept": only_still_to_accept,
            **_tabs(request, "acknowledgements"),
        },
    )


@require_role(*OVERSEER_ROLES)
@never_cache
def export(request: HttpRequest) -> HttpResponse:
    """Every acceptance as CSV; the export is recorded first. A POST only (the list's button): an export is recorded
    under the reader's name, so a link on another site must not be able to start one. A GET goes to the list."""
    if request.method != "POST":
        return redirect("guidelines:acknowledgements")
    rows = list(selectors.acknowledgements_for_export())
    services.record_export(actor=request.user, rows=len(rows))
    response = HttpResponse(exports.csv_text(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{exports.filename()}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
