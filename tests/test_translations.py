"""Every screen in English and Japanese: the translation is complete, compiled, and chosen by the browser."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.test import Client
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale/ja/LC_MESSAGES/django.po"
MO = ROOT / "locale/ja/LC_MESSAGES/django.mo"


def test_japanese_translation_is_complete():
    catalog = polib.pofile(str(PO))
    assert catalog.untranslated_entries() == []
    assert catalog.fuzzy_entries() == []


def test_compiled_catalog_matches_the_source():
    source = {(e.msgctxt, e.msgid): e.msgstr for e in polib.pofile(str(PO)).translated_entries()}
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(MO)) if e.msgid}
    assert compiled == source, "run `make messages` to recompile locale/ja"


@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext is not installed")
def test_every_translatable_string_is_in_the_catalog(tmp_path):
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(".venv", "var", ".git", "staticfiles", "tests", "__pycache__", "node_modules"),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ja", "--no-obsolete", "--no-location"],
        cwd=copy,
        env={"DEBUG": "true", "REPLYDESK_VAR_DIR": str(tmp_path / "var"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    extracted = {e.msgid for e in polib.pofile(str(copy / "locale/ja/LC_MESSAGES/django.po")) if e.msgid}
    shipped = {e.msgid for e in polib.pofile(str(PO)).translated_entries()}
    assert extracted - shipped == set(), "run `make messages` and translate the new strings"


def test_browser_language_chooses_japanese(people):
    client = Client(headers={"Accept-Language": "ja"})
    client.force_login(people.employee_a)
    page = client.get(reverse("inbox:inbox")).content.decode()
    assert 'lang="ja"' in page
    assert "受信箱" in page


def test_language_can_be_switched(people):
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(people.supervisor)
    client.post(reverse("set_language"), {"language": "ja", "next": reverse("accounts:staff_list")})
    page = client.get(reverse("accounts:staff_list")).content.decode()
    assert 'lang="ja"' in page and "承認待ち" in page
