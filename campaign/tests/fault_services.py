"""What the fault tests start and stop themselves: a private Redis, gunicorn and a Celery
worker on the test database. The machine's shared services are left running. And the
HTTP they speak to those servers, as phones and browsers would."""

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, what: str, seconds: float = 60, every: float = 0.05) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(every)


def answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


class PrivateRedis:
    """A Redis of the test's own, on a free port, that keeps nothing on disk: stopped and
    started again it comes back empty, as the shared one would after a restart."""

    def __init__(self):
        self.port = free_port()
        self.process = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        if shutil.which("redis-server") is None:
            pytest.fail("redis-server is needed for the Redis fault tests")
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        wait_for(lambda: answers(self.port), "the test's Redis to start", seconds=10)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)

    def close(self):
        if self.process is not None and self.process.poll() is None:
            self.stop()


def test_database_url() -> str:
    database = connection.settings_dict
    return (
        f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
    )


def app_environment(**overrides: str) -> dict:
    """The environment of a process of the app on the test database; without REDIS_URL in
    ``overrides`` it runs without a broker."""
    inherited = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DEBUG")}
    return (
        inherited
        | {
            "DATABASE_URL": test_database_url(),
            "COLLECTSTATIC": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "PYTHONWARNINGS": "ignore",
        }
        | overrides
    )


def request(port: int, method: str, path: str, body: str | None = None, headers: dict | None = None):
    """One HTTP request: (status, headers, body text, seconds)."""
    start = time.monotonic()
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        client.request(method, path, body=body, headers=headers or {})
        response = client.getresponse()
        return response.status, response.headers, response.read().decode(), time.monotonic() - start
    finally:
        client.close()


class Gunicorn:
    """gunicorn as production runs it, on the test database."""

    def __init__(self, *, as_served: bool = False, **environment: str):
        """``as_served``: sized as `make run` serves it (campaign/gunicorn.conf.py);
        otherwise one worker with two threads, enough for a fault test."""
        self.port = free_port()
        sizes = (
            ["-c", "campaign/gunicorn.conf.py"] if as_served else ["campaign.wsgi", "--workers", "1", "--threads", "2"]
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", *sizes, "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning"],
            cwd=BASE_DIR,
            env=app_environment(**environment),
        )

        def up() -> bool:
            if self.process.poll() is not None:
                pytest.fail("gunicorn did not start")
            try:
                return request(self.port, "GET", "/health/")[0] == 200
            except OSError:
                return False

        wait_for(up, "gunicorn to start", seconds=30, every=0.2)

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=20)


class CeleryProcess:
    """A Celery command on the test database. Its broker is the test run's Redis unless
    ``REDIS_URL`` says otherwise."""

    def __init__(self, *arguments: str, **environment: str):
        environment.setdefault("REDIS_URL", os.environ.get("REDIS_URL", ""))
        command = [sys.executable, "-m", "celery", "-A", "campaign", *arguments, "--loglevel=warning"]
        self.process = subprocess.Popen(command, cwd=BASE_DIR, env=app_environment(CONN_MAX_AGE="0", **environment))

    def close(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


class CeleryWorker(CeleryProcess):
    """A prefork worker with one pool child, as production runs it; its only child
    process is the one that runs tasks."""

    def __init__(self, queues: str, **environment: str):
        options = ["--pool=prefork", "--concurrency=1", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        super().__init__("worker", "-Q", queues, *options, **environment)


class CeleryBeat(CeleryProcess):
    def __init__(self, schedule: Path, **environment: str):
        super().__init__("beat", "--schedule", str(schedule), **environment)


class PrivatePostgres:
    """A PostgreSQL server of the test's own, on a free port, that the test may restart
    for real; the machine's shared server is left alone. The server refuses to run as
    root, so as root it runs as the postgres user."""

    def __init__(self):
        binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        self.bin = binaries[-1].parent if binaries else None
        self.port = free_port()
        self.folder = None

    @property
    def available(self) -> bool:
        return self.bin is not None and (os.geteuid() != 0 or shutil.which("runuser") is not None)

    def _run(self, program: str, *arguments: str) -> None:
        command = [str(self.bin / program), *arguments]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd="/")

    def start(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="campaign-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.folder / "data"), "-A", "trust", "-U", "postgres", "--no-sync")
        self._pg_ctl("start")

    def _pg_ctl(self, action: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        data, log = str(self.folder / "data"), str(self.folder / "log")
        self._run("pg_ctl", action, "-D", data, "-o", options, "-l", log, "-w")

    def restart(self) -> None:
        """A real restart: every session ends, the server is down for a moment."""
        self._pg_ctl("restart")

    def copy_database(self, source: dict, name: str) -> str:
        """The source database, schema and rows, copied in; returns its URL here."""
        dump = subprocess.run(
            ["pg_dump", "-h", source["HOST"] or "127.0.0.1", "-p", str(source["PORT"] or 5432)]
            + ["-U", source["USER"], "--no-owner", source["NAME"]],
            check=True,
            capture_output=True,
        ).stdout
        target = ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-q", "-v", "ON_ERROR_STOP=1"]
        subprocess.run([*target, "-c", f'CREATE DATABASE "{name}"'], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([*target, "-d", name], input=dump, check=True, stdout=subprocess.DEVNULL)
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def close(self) -> None:
        if self.folder is None:
            return
        try:
            self._run("pg_ctl", "stop", "-D", str(self.folder / "data"), "-m", "immediate", "-w")
        except subprocess.CalledProcessError:
            pass  # never started, or already stopped
        shutil.rmtree(self.folder, ignore_errors=True)


CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


CSRF_COOKIE = re.compile(r"csrftoken=([^;]+)")


def cast_over_http(base_url: str, code: str, subjects: list[int], comments: dict | None = None) -> tuple[int, int]:
    """Open the form and submit it as a phone does: (GET status, POST status).
    ``comments``: {subject id: text} written beside the choices."""
    parts = urlsplit(base_url)

    def request(method, path, body=None, headers=None):
        client = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            client.request(method, path, body=body, headers=headers or {})
            response = client.getresponse()
            return response.status, response.headers, response.read().decode()
        finally:
            client.close()

    status, headers, body = request("GET", f"/p/{code}/")
    if status != 200:
        return status, 0
    cookie = CSRF_COOKIE.search(" ".join(headers.get_all("Set-Cookie") or [])).group(1)
    token = CSRF_FIELD.search(body).group(1)
    data = {"csrfmiddlewaretoken": token} | {f"choice_{pk}": "satisfied" for pk in subjects}
    data |= {f"comment_{pk}": text for pk, text in (comments or {}).items()}
    posted, _headers, _body = request(
        "POST",
        f"/p/{code}/",
        body=urlencode(data),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookie}"},
    )
    return status, posted
