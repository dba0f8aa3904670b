"""Settings (the Django admin) shows the demo banner when the desk runs in demo mode, like every page of the desk, and
leads back to the desk's own pages for the password and signing out."""

import pytest
from django.test import Client
from django.urls import reverse

BANNER = "Demo mode: two-factor sign-in is not required"


@pytest.fixture
def administrator(people) -> Client:
    client = Client()
    client.force_login(people.administrator)
    return client


@pytest.mark.parametrize("page", ["admin:index", "admin:inbox_replytemplate_changelist", "admin:inbox_queue_add"])
def test_settings_pages_show_the_demo_banner_in_demo_mode(administrator, settings, page):
    settings.DEMO_MODE = True
    html = administrator.get(reverse(page)).content.decode()
    assert f'<div class="demo-banner" role="note">{BANNER}' in html
    assert '<link rel="stylesheet" href="/static/css/admin-desk.css">' in html


def test_settings_show_no_banner_outside_demo_mode(administrator, settings):
    settings.DEMO_MODE = False
    assert BANNER not in administrator.get(reverse("admin:index")).content.decode()


def test_settings_lead_to_the_desks_own_password_and_sign_out_pages(administrator):
    html = administrator.get(reverse("admin:index")).content.decode()
    assert f'href="{reverse("home")}">Back to the desk' in html
    assert f'href="{reverse("account_change_password")}">Change password' in html
    assert f'action="{reverse("account_logout")}"' in html and "Sign out" in html
    assert "Log out" not in html and "View site" not in html
