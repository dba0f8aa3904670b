"""Production settings pass Django's deployment checks; docker-compose.yml is a valid compose file."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import database_roles

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-production-like-secret-key-" + "k" * 40,
    "ALLOWED_HOSTS": "desk.example.com",
    "DATABASE_URL": "postgres://replydesk@db.invalid:5432/replydesk",
    "REDIS_URL": "redis://redis.invalid:6379/0",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"HTTPS", "DEMO_MODE", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_mode_passes_check_deploy_without_a_warning():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "REDIS_URL"])
def test_production_refuses_to_start_without_required_settings(missing):
    env = {**PRODUCTION, missing: ""}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_bad_boolean_is_named_in_the_error():
    result = manage("check", env={**PRODUCTION, "DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_check_deploy_warns_when_x_calls_go_somewhere_else_than_x():
    result = manage("check", "--deploy", env={**PRODUCTION, "X_API_BASE_URL": "http://127.0.0.1:8099"})
    assert "replydesk.W001" in result.stdout + result.stderr
    assert "X_API_BASE_URL" in result.stdout + result.stderr
    strict = manage("check", "--deploy", "--fail-level", "WARNING", env={**PRODUCTION, "X_API_BASE_URL": "http://x"})
    assert strict.returncode != 0


def test_demo_mode_is_refused_in_production():
    result = manage("check", "--deploy", env={**PRODUCTION, "DEMO_MODE": "true"})
    assert result.returncode != 0
    assert "DEMO_MODE" in result.stdout + result.stderr


@pytest.mark.skipif(
    not shutil.which("docker-compose"), reason="docker-compose is not installed (make test installs it)"
)
def test_docker_compose_file_is_valid():
    result = subprocess.run(
        ["docker-compose", "-f", "docker-compose.yml", "config", "--quiet"],
        cwd=ROOT,
        env={
            **os.environ,
            "SECRET_KEY": "x",
            "POSTGRES_PASSWORD": "x",
            "REPLYDESK_OWNER_PASSWORD": "y",
            "REPLYDESK_APP_PASSWORD": "z",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_health_check_answers_any_host_over_plain_http(client, settings, db):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.0.0.5:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_a_visibility_timeout_shorter_than_the_outbox_countdown_is_refused(settings):
    from django.core.checks import run_checks

    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 30}
    assert "replydesk.E002" in [problem.id for problem in run_checks()]
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    assert "replydesk.E002" not in [problem.id for problem in run_checks()]


@pytest.mark.skipif(not database_roles.SUPERUSER_URL, reason="needs the roles that make test sets up")
def test_the_desk_refuses_to_run_as_a_database_superuser_in_production(db):
    as_superuser = manage(
        "check",
        "--database",
        "default",
        env={**PRODUCTION, "DATABASE_URL": database_roles.on_test_database(database_roles.SUPERUSER_URL)},
    )
    assert as_superuser.returncode != 0
    assert "replydesk.E004" in as_superuser.stdout + as_superuser.stderr
    as_runtime_role = manage(
        "check",
        "--database",
        "default",
        env={**PRODUCTION, "DATABASE_URL": database_roles.on_test_database(os.environ["DATABASE_URL"])},
    )
    assert as_runtime_role.returncode == 0, as_runtime_role.stdout + as_runtime_role.stderr
