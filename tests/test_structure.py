"""The shape the house style asks for, checked on the source: views, admin actions, commands and tasks are thin
callers. They read through selectors and change state only through the services (which write the audit entry
in the same transaction); the layers themselves are held by import-linter (`make lint`)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = (
    "accounts",
    "audit",
    "channels",
    "inbox",
    "quality",
    "listening",
    "reports",
    "guidelines",
    "verification",
    "demo",
    "replydesk",
)
WRITES = {"save", "update", "delete", "create", "bulk_create", "get_or_create", "update_or_create", "bulk_update"}
# The desk's own writers: a thin caller names none of them.
WRITERS = {"recorder", "AuditEntry", "AuditSeal", "tweepy"}


def _modules(pattern: str) -> list[Path]:
    return sorted(path for app in APPS for path in (ROOT / app).glob(pattern) if "migrations" not in path.parts)


# views.py and approval_views.py, not reviews.py (quality's services).
VIEWS = _modules("**/views.py") + _modules("**/*_views.py")
THIN_CALLERS = VIEWS + _modules("**/admin.py") + _modules("**/tasks.py") + _modules("**/management/commands/*.py")


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_the_scan_sees_the_thin_callers():
    names = {_relative(path) for path in THIN_CALLERS}
    assert {"inbox/views.py", "inbox/admin.py", "inbox/tasks.py", "demo/management/commands/seed_demo.py"} <= names


@pytest.mark.parametrize("path", VIEWS, ids=_relative)
def test_views_read_through_selectors_not_the_orm(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    queries = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == "objects"]
    assert queries == [], f"{_relative(path)} queries the ORM at lines {queries}; move them to a selector"


def _chain(node: ast.expr) -> list[str]:
    """The names along an expression such as `Question.objects.filter(...).update`: ["Question", "objects", ...]."""
    names = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            names.append(node.id)
            return names[::-1]
        else:
            return names[::-1]


def _writes(tree: ast.AST) -> list[str]:
    """ORM writes (`X.objects….update()`, `obj.save()`) and direct use of the audit trail's or X's writer."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        chain = _chain(node.func)
        if chain and chain[0] in WRITERS:
            found.append(f"{node.lineno}: {'.'.join(chain)}")
        elif chain and chain[-1] in WRITES and ("objects" in chain or chain[-1] in ("save", "delete")):
            found.append(f"{node.lineno}: {'.'.join(chain)}()")
    return found


def test_the_write_scan_finds_writes():
    tree = ast.parse("Question.objects.filter(pk=1).update(holder=None)\nreply.save()\nrecorder.record('x')\n")
    assert len(_writes(tree)) == 3
    assert _writes(ast.parse("outcome.update(result)\nstatus.update({'a': 1})\n")) == []


@pytest.mark.parametrize("path", THIN_CALLERS, ids=_relative)
def test_thin_callers_change_nothing_themselves(path):
    writes = _writes(ast.parse(path.read_text(encoding="utf-8")))
    assert writes == [], f"{_relative(path)} writes itself; call a service"
