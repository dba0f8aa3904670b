"""Real processes for the worker and fault tests: a Celery worker (or beat) started as the deployment starts it,
on the test database and the real Redis broker, with its own queue so that it takes only the tests' messages;
the web (gunicorn) and a throwaway Redis for the tests that take Redis away."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import requests
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
    """The environment of a desk process on the test database and broker; `extra` adds or overrides variables
    (REDIS_URL to another Redis, X_API_BASE_URL to a fake X, CELERY_QUEUE, OUTBOX_* ...)."""
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("X_", "PYTEST_", "DJANGO_ALLOW_ASYNC"))
    }
    env.update(
        DATABASE_URL=database_url(),
        REDIS_URL=settings.CELERY_BROKER_URL,
        DATABASE_CONN_MAX_AGE="0",
        PYTHONUNBUFFERED="1",
        # The test's own anchor file: the worker's sealer anchors where the test (and verify_audit) looks.
        AUDIT_ANCHOR_FILE=settings.AUDIT_ANCHOR_FILE,
    )
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fake_x_env(fake) -> dict[str, str]:
    """The X_* variables that point a desk process's real tweepy client at a FakeX running in the test process
    (the fake checks no signature, so the credentials are placeholders)."""
    return {
        "X_API_BASE_URL": fake.url,
        "X_ACCOUNT_ID": fake.account_id,
        "X_ACCOUNT_USERNAME": fake.account_username,
        "X_CONSUMER_KEY": "fake-consumer-key",
        "X_CONSUMER_SECRET": "fake-consumer-secret",
        "X_ACCESS_TOKEN": "fake-access-token",
        "X_ACCESS_TOKEN_SECRET": "fake-access-token-secret",
    }


class Process:
    """A desk process in a session (process group) of its own, its output in `log`."""

    def __init__(self, command: list[str], log: Path, env: dict[str, str]):
        self.log = log
        self._log_file = log.open("wb")
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def running(self) -> bool:
        return self.process.poll() is None

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

    def kill(self) -> None:
        """SIGKILL the whole process group at once (the main process and its pool), as a crash or the OOM killer
        would: nothing is cleaned up, nothing acknowledged or handed back."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self._log_file.close()


class CeleryProcess(Process):
    def __init__(self, args: list[str], log: Path, env: dict[str, str]):
        super().__init__([sys.executable, "-m", "celery", "-A", "replydesk", *args], log, env)


class Worker(CeleryProcess):
    """A worker consuming only its own queue, which is also its CELERY_QUEUE: what it enqueues itself (a drain's
    deliveries, a retry's countdown) stays on that queue. Pass `queue` to start a replacement on the queue of a
    worker that died; `env` adds variables (e.g. fake_x_env(...), REDIS_URL of another Redis)."""

    def __init__(
        self,
        workdir: Path,
        *,
        queue: str | None = None,
        concurrency: int = 1,
        name: str = "worker",
        env: dict[str, str] | None = None,
    ):
        self.queue = queue or f"worker-test-{uuid.uuid4().hex[:8]}"
        self.mail_dir = workdir / "mail"
        env = process_env(
            **{
                "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                "EMAIL_FILE_PATH": str(self.mail_dir),
                **(env or {}),
                "CELERY_QUEUE": self.queue,
            }
        )
        self.broker_url = env.get("CELERY_BROKER_URL") or env["REDIS_URL"]
        args = ["worker", "--pool=prefork", f"--concurrency={concurrency}", "-Q", self.queue]
        args += ["--without-gossip", "--without-mingle", "--loglevel=INFO"]
        super().__init__(args, workdir / f"{name}.log", env)
        try:
            self.wait_for_output("ready.", timeout=60)
        except BaseException:
            self.kill()  # never left running by a test that fails here
            raise

    def run(self, task) -> None:
        """Send `task` to this worker's queue, on this worker's broker."""
        if self.broker_url == settings.CELERY_BROKER_URL:
            task.apply_async(queue=self.queue)
            return
        with task.app.connection_for_write(self.broker_url) as broker:
            task.apply_async(queue=self.queue, connection=broker)

    def mails(self) -> list[str]:
        return [path.read_text() for path in sorted(self.mail_dir.glob("*"))] if self.mail_dir.exists() else []


class Web(Process):
    """The web as production runs it (gunicorn, replydesk.wsgi) on a free loopback port; `env` as for Worker."""

    def __init__(self, workdir: Path, *, env: dict[str, str] | None = None, name: str = "web"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "gunicorn", "replydesk.wsgi", "--bind", f"127.0.0.1:{self.port}"]
        command += ["--workers", "1", "--timeout", "60", "--access-logfile", "-"]
        super().__init__(command, workdir / f"{name}.log", process_env(**(env or {})))
        try:
            eventually(self._answers, timeout=60, what="the web answering /healthz")
        except BaseException:
            self.kill()
            raise

    def _answers(self) -> bool:
        if not self.running:
            raise AssertionError(f"the web ended:\n{self.output()[-3000:]}")
        try:
            return requests.get(f"{self.url}/healthz", timeout=5).status_code == 200
        except requests.RequestException:
            return False


class Redis:
    """A throwaway redis-server on a free loopback port, without persistence: `kill` takes it away as a crash
    would (everything in it is lost), `start` brings it back empty on the same port."""

    def __init__(self, workdir: Path):
        self.server = shutil.which("redis-server")
        if self.server is None:
            raise RuntimeError("redis-server is not installed")
        self.workdir = workdir
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def start(self) -> "Redis":
        self.starts += 1
        with (self.workdir / f"redis-{self.starts}.log").open("wb") as log:
            self.process = subprocess.Popen(
                [self.server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
                + ["--dir", str(self.workdir)],
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        eventually(lambda: self.answers() or self.process.poll() is not None, timeout=30, what="redis-server")
        if not self.answers():
            raise AssertionError(f"redis-server ended: {(self.workdir / f'redis-{self.starts}.log').read_text()}")
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        eventually(lambda: not self.answers(), timeout=30, what="redis-server going away")
