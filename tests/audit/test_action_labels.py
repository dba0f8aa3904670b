"""Every action code the desk can record has a label for the compliance pages and the question's history.

The codes are found in the source: every `record(...)` / `record_many(...)` call with a literal code, and the two
calls that build their code (configuration changes and authenticator changes), expanded from the names those
modules declare. A new call that builds its code some other way fails here until it is added.
"""

import ast
from pathlib import Path

from django.utils import translation

from accounts.services import MFA_CHANGES
from audit.labels import ACTION_LABELS, action_label
from inbox.configuration import AUDITED_MODELS, VERBS

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "accounts",
    "audit",
    "channels",
    "inbox",
    "demo",
    "replydesk",
    "quality",
    "listening",
    "reports",
    "guidelines",
    "verification",
)
# The call sites whose code is an f-string, and the codes each can make.
BUILT_CODES = {
    ("inbox/configuration.py", "obj._meta.label_lower"): {
        f"{model._meta.label_lower}.{verb}" for model in AUDITED_MODELS for verb in VERBS
    },
    ("accounts/services.py", "change"): {f"accounts.mfa.{change}" for change in MFA_CHANGES},
}


def _record_calls():
    """(file, first argument) of every call of the recorder in the desk's code."""
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "recorder"
                    and node.func.attr in ("record", "record_many")
                ):
                    yield path.relative_to(ROOT).as_posix(), node.args[0]


def _codes_the_desk_records() -> set[str]:
    codes: set[str] = set()
    for path, argument in _record_calls():
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            codes.add(argument.value)
            continue
        assert isinstance(argument, ast.JoinedStr), f"{path}: an action code that is neither a literal nor built"
        built_from = next(ast.unparse(part.value) for part in argument.values if isinstance(part, ast.FormattedValue))
        assert (path, built_from) in BUILT_CODES, f"{path} builds action codes from {built_from}: list them here"
        codes |= BUILT_CODES[(path, built_from)]
    return codes


def test_the_source_scan_finds_the_desks_actions():
    codes = _codes_the_desk_records()
    # A scan that found nothing would pass the next test vacuously.
    assert {"inbox.question.claimed", "accounts.employee.approved", "inbox.replytemplate.created"} <= codes
    assert len(codes) > 30


def test_every_action_code_the_desk_records_has_a_label():
    missing = sorted(_codes_the_desk_records() - ACTION_LABELS.keys())
    assert missing == []


def test_no_label_is_left_for_a_code_the_desk_no_longer_records():
    assert sorted(ACTION_LABELS.keys() - _codes_the_desk_records()) == []


def test_every_label_is_translated_into_japanese():
    with translation.override("en"):
        english = {code: action_label(code) for code in ACTION_LABELS}
    with translation.override("ja"):
        untranslated = [code for code in ACTION_LABELS if action_label(code) == english[code]]
    assert untranslated == []
