"""Running a probe on the embedded desk: no DATABASE_URL, so SQLite under a var directory of its own, in a process
of its own (the test session's settings name PostgreSQL). The probe prints one line `RESULTS <json>`."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What makes the desk production or points it at the test session's services.
NOT_EMBEDDED = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DATABASE_RUNTIME_ROLE", "CELERY_BROKER_URL"}


def run_on_embedded_sqlite(probe: str, var: Path):
    env = {name: value for name, value in os.environ.items() if name not in NOT_EMBEDDED}
    env.update(DJANGO_SETTINGS_MODULE="replydesk.settings", REPLYDESK_VAR_DIR=str(var), DEBUG="false")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULTS "))
    return json.loads(line.removeprefix("RESULTS "))
