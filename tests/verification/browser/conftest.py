"""The browser tests' Chromium, Content-Security-Policy watch and ORM setting (tests/browser/conftest.py), for the
public check's browser test kept beside the check's other tests."""

from tests.browser.conftest import (  # noqa: F401 (fixtures and the hook, found by pytest by name)
    _orm_beside_playwright,
    browser_context_args,
    browser_type_launch_args,
    csp_watch,
    pytest_runtest_call,
)
