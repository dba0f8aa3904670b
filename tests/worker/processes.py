"""Real Celery processes for the worker tests: a worker (or beat) started as the deployment starts it, on the
test database and the real Redis broker, with its own queue so that it takes only the tests' messages."""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def eventually(check: Callable[[], object], *, timeout: float = 30, what: str = "the condition") -> object:
    """Poll `check` until it returns something true; fail after `timeout` seconds (never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while True:
        outcome = check()
        if outcome:
            return outcome
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(0.1)


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def process_env(**extra: str) -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("X_", "PYTEST_", "DJANGO_ALLOW_ASYNC"))
    }
    env.update(
        DATABASE_URL=database_url(),
        REDIS_URL=settings.CELERY_BROKER_URL,
        DATABASE_CONN_MAX_AGE="0",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


class CeleryProcess:
    def __init__(self, args: list[str], log: Path, env: dict[str, str]):
        self.log = log
        self._log_file = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "replydesk", *args],
            cwd=ROOT,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_output(self, text: str, timeout: float = 30) -> None:
        eventually(lambda: text in self.output() or self.process.poll() is not None, timeout=timeout, what=text)
        if text not in self.output():
            raise AssertionError(f"the process ended before {text!r}:\n{self.output()[-3000:]}")

    def children(self) -> list[int]:
        """The worker's pool processes."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                found.append(int(stat.parent.name))
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log_file.close()


class Worker(CeleryProcess):
    def __init__(self, workdir: Path):
        self.queue = f"worker-test-{uuid.uuid4().hex[:8]}"
        self.mail_dir = workdir / "mail"
        env = process_env(
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend", EMAIL_FILE_PATH=str(self.mail_dir)
        )
        args = ["worker", "--pool=prefork", "--concurrency=1", "-Q", self.queue, "--without-gossip", "--without-mingle"]
        super().__init__([*args, "--loglevel=INFO"], workdir / "worker.log", env)
        self.wait_for_output("ready.")

    def run(self, task) -> None:
        task.apply_async(queue=self.queue)

    def mails(self) -> list[str]:
        return [path.read_text() for path in sorted(self.mail_dir.glob("*"))] if self.mail_dir.exists() else []
