"""What every `make bench` command reports: one line per figure, each beside the same
work done by the bare database (or WeasyPrint alone, or an idle worker) and their ratio,
and the same records appended to bench/results.json so that runs can be compared.

One `make bench` is one run: the Makefile sets BENCH_RUN to the run's start, and every
command of that run adds its figures to the same record. A command started by hand
makes a run of its own.
"""

from __future__ import annotations

import datetime
import fcntl
import json
import math
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection

RESULTS_PATH = Path(settings.BASE_DIR) / "bench" / "results.json"


def results_path() -> Path:
    """bench/results.json, or the file BENCH_RESULTS names (the tests' own, so a test
    that runs a bench command never writes into the repository's record)."""
    return Path(os.environ["BENCH_RESULTS"]) if os.environ.get("BENCH_RESULTS") else RESULTS_PATH


@dataclass(frozen=True)
class Target:
    """What the issue asks of a figure: its ratio to the reference within a bound
    ("ratio", e.g. at most 1.5x the bare GROUP BY) or the value itself within a bound
    ("value", e.g. p95 under 100 ms)."""

    of: str  # "ratio" or "value"
    at_most: float | None = None
    at_least: float | None = None

    def met(self, value: float, ratio: float | None) -> bool | None:
        measured = ratio if self.of == "ratio" else value
        if measured is None:
            return None
        if self.at_most is not None and measured > self.at_most:
            return False
        return not (self.at_least is not None and measured < self.at_least)

    def __str__(self):
        unit = "x" if self.of == "ratio" else ""
        bound = f"<= {self.at_most:g}{unit}" if self.at_most is not None else f">= {self.at_least:g}{unit}"
        return f"{'ratio' if self.of == 'ratio' else 'value'} {bound}"


@dataclass(frozen=True)
class Figure:
    group: str  # e.g. "tally", "dashboard county"
    name: str
    value: float
    unit: str
    reference: float | None
    reference_name: str
    target: str
    met: bool | None
    detail: str

    @property
    def ratio(self) -> float | None:
        if self.reference in (None, 0):
            return None
        return self.value / self.reference

    def line(self) -> str:
        text = f"{self.name}: {number(self.value)} {self.unit}"
        if self.reference is not None:
            text += f" | {self.reference_name}: {number(self.reference)} {self.unit} | ratio {self.ratio:.2f}x"
        if self.target:
            text += f" | target {self.target}: {'met' if self.met else 'MISSED'}"
        if self.detail:
            text += f" ({self.detail})"
        return text


def number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (p95 of 30 timings is the 29th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1))]


def median(values: list[float]) -> float:
    return statistics.median(values)


class Report:
    """Prints figures to a command's stdout and records them for bench/results.json."""

    def __init__(self, stdout, group: str):
        self.stdout = stdout
        self.group = group
        self.figures: list[Figure] = []

    def figure(
        self,
        name: str,
        value: float,
        unit: str,
        *,
        reference: float | None = None,
        reference_name: str = "",
        target: Target | None = None,
        detail: str = "",
    ) -> Figure:
        ratio = value / reference if reference else None
        figure = Figure(
            group=self.group,
            name=name,
            value=round(value, 4),
            unit=unit,
            reference=None if reference is None else round(reference, 4),
            reference_name=reference_name,
            target=str(target) if target else "",
            met=target.met(value, ratio) if target else None,
            detail=detail,
        )
        self.stdout.write(figure.line())
        self.figures.append(figure)
        return figure

    def save(self, path: Path | None = None) -> None:
        results_append(self.figures, path=path or results_path())


def run_id() -> str:
    return os.environ.get("BENCH_RUN") or datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def machine() -> dict:
    described = {"cores": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()}
    if connection.vendor == "postgresql":
        described["postgresql"] = connection.cursor().connection.server_version
    return described


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def results_append(figures: list[Figure], *, path: Path) -> None:
    """Add figures to this run's record, replacing an earlier figure of the same group
    and name (a command run twice in one run keeps its last figures). Locked, so
    commands of one run never write over each other."""
    if not figures:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        text = handle.read()
        results = json.loads(text) if text.strip() else {"runs": []}
        identifier = run_id()
        run = next((run for run in results["runs"] if run["id"] == identifier), None)
        if run is None:
            run = {"id": identifier, "commit": commit(), "machine": machine(), "figures": []}
            results["runs"].append(run)
        replaced = {(figure.group, figure.name) for figure in figures}
        run["figures"] = [old for old in run["figures"] if (old["group"], old["name"]) not in replaced]
        run["figures"] += [asdict(figure) | {"ratio": figure.ratio} for figure in figures]
        handle.seek(0)
        handle.truncate()
        json.dump(results, handle, ensure_ascii=False, indent=1)
        handle.write("\n")


def results_load(path: Path | None = None) -> list[dict]:
    path = path or results_path()
    if not path.exists():
        return []
    return json.loads(path.read_text(encoding="utf-8"))["runs"]


# -- a Celery worker of the bench's own ---------------------------------------------

WORKER_START_SECONDS = 60


@dataclass(frozen=True)
class WorkerRun:
    seconds: float
    idle_mb: float  # the worker process's resident memory just before the task
    peak_mb: float  # its high-water mark while it ran the task


def _proc_status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise CommandError(f"/proc/{pid}/status has no {field}")


def child_processes(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # the process ended while we looked
        # The command name is in parentheses and may hold spaces: the parent id follows it.
        if int(text.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(stat.parent.name))
    return found


class BenchWorker:
    """A Celery worker started for one bench command as production runs it (prefork, one
    child process, both queues, the fonts loaded when the child starts), against the
    database and Redis of DATABASE_URL and REDIS_URL; stopped on exit. Memory is read from
    /proc of the child process that runs the tasks: VmHWM, its peak resident set, is reset
    before each task (clear_refs), so each task's peak is its own."""

    def __enter__(self) -> BenchWorker:
        if not settings.REDIS_URL:
            raise CommandError("The worker figures need Redis (set REDIS_URL).")
        from campaign.celery import app

        self.app = app
        self.hostname = f"bench-{os.getpid()}@{socket.gethostname()}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "--quiet", "-A", "campaign", "worker", "--queues", "celery,documents"]
            + ["--concurrency", "1", "--pool", "prefork", "--hostname", self.hostname, "--loglevel", "warning"]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=settings.BASE_DIR,
            # Celery warns a worker started as root; the bench runs as whoever runs make.
            env=os.environ | {"PYTHONWARNINGS": "ignore"},
            stdout=subprocess.DEVNULL,  # its start and shutdown lines; errors go to stderr
        )
        try:
            self._wait_until_ready()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + WORKER_START_SECONDS
        while not self.app.control.ping(destination=[self.hostname], timeout=1):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise CommandError("The bench's Celery worker did not start.")
        children = child_processes(self.process.pid)
        if len(children) != 1:
            raise CommandError(f"Expected one worker child process, found {len(children)}.")
        self.child = children[0]
        # The ping is answered by the parent: a first task proves the child has loaded
        # what it loads on start (the fonts), so "idle" is the worker as it waits for work.
        from campaign.home.tasks import health_probe

        health_probe.apply_async().get(timeout=WORKER_START_SECONDS)

    def measure(self, dispatch: Callable[[], object], done: Callable[[], bool], timeout: float = 1800) -> WorkerRun:
        """Send the worker its work (dispatch) and wait until done() says it is finished."""
        Path(f"/proc/{self.child}/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        idle = _proc_status_kb(self.child, "VmRSS")
        start = time.perf_counter()
        dispatch()
        while not done():
            if time.perf_counter() - start > timeout:
                raise CommandError(f"The worker did not finish in {timeout:.0f} s.")
            time.sleep(0.02)
        seconds = time.perf_counter() - start
        peak = _proc_status_kb(self.child, "VmHWM")
        if child_processes(self.process.pid) != [self.child]:
            raise CommandError("The worker's child process was replaced during the task: its memory is not known.")
        return WorkerRun(seconds=seconds, idle_mb=idle / 1024, peak_mb=peak / 1024)

    def run(self, signature, timeout: float = 1800) -> WorkerRun:
        sent = []
        run = self.measure(lambda: sent.append(signature.apply_async()), lambda: sent[0].ready(), timeout)
        sent[0].get()  # the task's own error, if it failed
        return run

    def __exit__(self, *exc_info) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# -- bare SQL references shared by the bench commands ----------------------------------


def bare_subtree_ids(root) -> list:
    """A subtree's ids by a bare path-prefix SELECT: the floor of orgs.selectors.subtree."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM orgs_organization WHERE path LIKE %s", [root.path + "%"])
        return cursor.fetchall()


def statements_of(function) -> list[str]:
    """The SQL a call sends, as sent, to replay it bare."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        function()
    return [query["sql"] for query in captured.captured_queries]


def replay(statements: list[str]) -> None:
    """The same SQL sent with no ORM or Python around it: the database's share of the work."""
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
            cursor.fetchall()
