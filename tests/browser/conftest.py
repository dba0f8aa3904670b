import contextlib
import os
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Error

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            "The browser tests need Debian's chromium package (apt-get install chromium); make test installs it."
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session", autouse=True)
def _orm_beside_playwright():
    # Playwright's sync API runs an event loop in the test thread; the test's own ORM calls (and the database
    # flush after each test) stay synchronous. Session-wide, because the flush runs after function fixtures end.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-US"}


# --- Content-Security-Policy -------------------------------------------------------------------------------------

# Runs in every frame of every page before the page's own scripts (Playwright injects it, so the policy does not
# apply to it) and hands each violation the page reports to the test.
_REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__replydeskCspViolation({
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    source: event.sourceFile + ":" + event.lineNumber,
    sample: event.sample,
    page: document.location.href,
  });
});
"""


class PolicyWatch:
    """Every page a test opens, watched for what the Content-Security-Policy blocked: the `securitypolicyviolation`
    events the page fires and the console messages Chromium writes for them (one of the two survives a page that
    navigates away at once)."""

    def __init__(self):
        self.contexts = []
        self.violations: list[str] = []
        self.console: list[str] = []

    def attach(self, context) -> None:
        if context in self.contexts:
            return
        self.contexts.append(context)
        context.expose_binding("__replydeskCspViolation", lambda source, report: self.violations.append(str(report)))
        context.add_init_script(_REPORT_VIOLATIONS)
        context.on("console", self._console)

    def _console(self, message) -> None:
        text = f"{message.type}: {message.text} ({message.location.get('url', '')})"
        self.console.append(text)

    def blocked(self) -> list[str]:
        """What was blocked so far, once the events still on their way from the pages have arrived."""
        for context in self.contexts:
            for page in context.pages:
                # A round trip: the page's earlier messages arrive before its answer. Closed or navigating: none.
                with contextlib.suppress(Error):
                    page.evaluate("0")
        policy_messages = [text for text in self.console if "Content Security Policy" in text]
        return self.violations + policy_messages

    def take(self) -> list[str]:
        """What was blocked so far, forgotten: for a test that provokes a violation on purpose."""
        found = self.blocked()
        self.violations.clear()
        self.console.clear()
        return found


@pytest.fixture(autouse=True)
def csp_watch(request, browser, monkeypatch) -> Iterator[PolicyWatch]:
    """Watches every context the test makes (browser.new_context, browser.new_page, pytest-playwright's `page`);
    pytest_runtest_call below fails the test when the policy blocked anything.

    It closes the contexts the test made when the test ends: a page left open keeps polling the session-wide live
    server, and its requests, rendered in the server's thread, would land in a later test's Django test client
    (CI once found the sign-in page's form in `response.context` of an unrelated test that way)."""
    watch = PolicyWatch()
    made: list = []
    new_context, new_page = browser.new_context, browser.new_page

    def watched_context(*args, **kwargs):
        context = new_context(*args, **kwargs)
        watch.attach(context)
        made.append(context)
        return context

    def watched_page(*args, **kwargs):
        # browser.new_page makes its context without new_context; the blank first page has no policy to break.
        page = new_page(*args, **kwargs)
        watch.attach(page.context)
        made.append(page.context)
        return page

    monkeypatch.setattr(browser, "new_context", watched_context)
    monkeypatch.setattr(browser, "new_page", watched_page)
    request.node.csp_watch = watch
    yield watch
    for context in made:
        with contextlib.suppress(Error):  # closed by the test already
            context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield  # a test that failed already is reported as it failed
    watch = getattr(item, "csp_watch", None)
    if watch is not None and (blocked := watch.blocked()):
        pytest.fail(
            "The Content-Security-Policy blocked something on a page:\n  " + "\n  ".join(blocked), pytrace=False
        )
    return result
