#!/usr/bin/env python3
"""Run the suite against real PostgreSQL and Redis (README, "Tests").

Each service is, in order: the one named by DATABASE_URL / REDIS_URL; the one on 127.0.0.1 at its
standard port when it answers; a throwaway one started here from the installed binaries. Without any,
this stops and says what to install. The browser tests' Chromium is installed from Debian when missing
and this runs as root with apt-get.

The PostgreSQL connection found is a superuser's: it makes the desk's two roles (scripts/pg_roles.py), and the
suite then runs as production does: the test database is created and migrated by the owner, the desk runs as
the runtime role, and only the tamper tests use the superuser, on a connection of their own.
"""

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pg_roles  # noqa: E402  (beside this script)


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(host: str, port: int, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if answers(host, port):
            return
        time.sleep(0.2)
    sys.exit(f"{what} did not start within {seconds:.0f} s")


def apt_install(*packages: str) -> bool:
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return False
    say(f"Installing {' '.join(packages)} from Debian")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=False, stdout=subprocess.DEVNULL)
    result = subprocess.run(["apt-get", "install", "-y", "-qq", *packages], env=env, stdout=subprocess.DEVNULL)
    return result.returncode == 0


class Throwaway:
    """Servers started for this run only, stopped (and their files removed) at the end."""

    def __init__(self) -> None:
        self.stops: list = []
        self.workdir = Path(tempfile.mkdtemp(prefix="replydesk-test-"))

    def postgres(self) -> str | None:
        initdb = shutil.which("initdb") or next(
            iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)), None
        )
        if not initdb:
            return None
        bindir = Path(initdb).parent
        data = self.workdir / "pgdata"
        port = free_port()
        run_as: list[str] = []
        if os.geteuid() == 0:
            # initdb refuses to run as root; the postgres system user owns the throwaway cluster instead.
            shutil.chown(self.workdir, user="postgres")
            run_as = ["runuser", "-u", "postgres", "--"]
        say(f"Starting a throwaway PostgreSQL on port {port}")
        subprocess.run(
            [*run_as, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        subprocess.run(
            [
                *run_as,
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(self.workdir / "pg.log"),
                "-w",
                "-o",
                f"-p {port} -k {self.workdir} -c listen_addresses=127.0.0.1 -c fsync=off",
                "start",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.stops.append(
            lambda: subprocess.run(
                [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
                stdout=subprocess.DEVNULL,
                check=False,
            )
        )
        return f"postgres://postgres@127.0.0.1:{port}/replydesk"

    def redis(self) -> str | None:
        server = shutil.which("redis-server")
        if not server:
            return None
        port = free_port()
        say(f"Starting a throwaway Redis on port {port}")
        process = subprocess.Popen(
            [
                server,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for("127.0.0.1", port, "Redis")
        self.stops.append(process.terminate)
        return f"redis://127.0.0.1:{port}/15"

    def stop(self) -> None:
        for stop in reversed(self.stops):
            stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def main() -> int:
    throwaway = Throwaway()
    try:
        env = dict(os.environ)
        if not env.get("DATABASE_URL"):
            if answers("127.0.0.1", 5432):
                env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/replydesk"
            else:
                env["DATABASE_URL"] = throwaway.postgres() or ""
        if not env.get("REDIS_URL"):
            if answers("127.0.0.1", 6379):
                env["REDIS_URL"] = "redis://127.0.0.1:6379/15"
            else:
                env["REDIS_URL"] = throwaway.redis() or ""
        missing = [name for name in ("DATABASE_URL", "REDIS_URL") if not env[name]]
        if missing:
            print(
                "The tests need PostgreSQL and Redis, and none could be found or started.\n"
                "Install them (Debian/Ubuntu: apt-get install postgresql redis-server), start them on\n"
                "127.0.0.1:5432 / 6379, or point DATABASE_URL / REDIS_URL at running servers.",
                file=sys.stderr,
            )
            return 2
        if not shutil.which("chromium") and not apt_install("chromium"):
            say(
                "Chromium is missing and could not be installed: the browser tests will fail (apt-get install chromium)"
            )
        if not shutil.which("docker-compose"):
            apt_install("docker-compose")
        superuser_url = env["DATABASE_URL"]
        pg_roles.ensure_roles(superuser_url)
        env.update(
            DATABASE_URL=pg_roles.role_url(superuser_url, pg_roles.RUNTIME),
            DATABASE_OWNER_URL=pg_roles.role_url(superuser_url, pg_roles.OWNER),
            DATABASE_RUNTIME_ROLE=pg_roles.RUNTIME,
            TEST_SUPERUSER_DATABASE_URL=superuser_url,
        )
        say(
            f"PostgreSQL: {superuser_url} (the desk as {pg_roles.RUNTIME}, migrations as {pg_roles.OWNER})   "
            f"Redis: {env['REDIS_URL']}"
        )
        env.update(
            {
                "DEBUG": "false",
                "HTTPS": "false",
                "SECRET_KEY": env.get("SECRET_KEY") or "test-only-secret-key-" + "x" * 40,
                "ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
                "DEMO_MODE": "false",
                "DATABASE_CONN_MAX_AGE": "0",
            }
        )
        return subprocess.call([str(VENV_BIN / "pytest"), *sys.argv[1:]], cwd=ROOT, env=env)
    finally:
        throwaway.stop()


if __name__ == "__main__":
    sys.exit(main())
