"""Faults: the worker process rendering a circular's PDF is killed (as the OOM killer
would, SIGKILL) in the middle of WeasyPrint. The message delivered again finds the dead
worker's claim still fresh and leaves it; beat finds the claim stale and queues the
render again; the circular ends issued with one whole PDF, its number unchanged.

All real, in processes of their own: a Redis of the test's own, a prefork worker on
both queues and beat, on the test database and a media folder of the test's."""

import datetime
import hashlib
import os
import signal

import pytest

from campaign.celery import app
from campaign.circulars.models import Circular, CircularKind, CircularState
from campaign.circulars.services import PROGRESS_HTML, CircularInput, circular_create, circular_issue
from campaign.devdata.benchmarks import child_processes
from campaign.infra import outbox
from campaign.infra.models import OutboxEntry
from campaign.tests import circular_fixtures as fx
from campaign.tests.fault_services import CeleryBeat, CeleryWorker, PrivateRedis, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

STALE_CLAIM_SECONDS = 5
TODAY = datetime.date(2012, 7, 2)  # the day the circular is issued


@pytest.fixture
def worker_and_beat(tmp_path, settings):
    redis = PrivateRedis()
    redis.start()
    settings.MEDIA_ROOT = tmp_path / "media"
    environment = {
        "REDIS_URL": redis.url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        # Beat looks every second, and a claim is stale after 5 s instead of 3 min.
        "OUTBOX_SEND_SECONDS": "1",
        "OUTBOX_GRACE_SECONDS": "0",
        "CIRCULAR_RESUME_SECONDS": "1",
        "CIRCULAR_STALE_CLAIM_SECONDS": str(STALE_CLAIM_SECONDS),
    }
    worker = CeleryWorker("celery,documents", **environment)
    beat = CeleryBeat(tmp_path / "beat-schedule", **environment)
    yield worker
    beat.close()
    worker.close()
    redis.close()


def issue_for_the_worker(circular, by, monkeypatch) -> None:
    """Issue as the office does. The test process has no broker of its own: the render's
    task waits in the outbox, and the worker's beat hands it over."""
    monkeypatch.setattr(outbox, "_hand_over", lambda entry: False)
    app.conf.task_always_eager = False
    try:
        circular_issue(circular=circular, by=by, today=TODAY)
    finally:
        app.conf.task_always_eager = True
    assert OutboxEntry.objects.filter(task="campaign.circulars.tasks.render_circular").count() == 1


def test_a_render_whose_worker_is_killed_is_done_again_whole_and_once(
    county, campaign, worker_and_beat, monkeypatch, settings, read_pdf
):
    fx.tallied_rounds(county, campaign)
    # A few pages of text, so WeasyPrint works long enough to be caught at it.
    preamble = "\n".join(
        f"第{index}条：根据县委安排，各党组织对照承诺逐项整改，确保群众满意。" * 6 for index in range(40)
    )
    circular = circular_create(
        campaign=campaign,
        kind=CircularKind.EVALUATION,
        texts=CircularInput(preamble=preamble, closing="特此通报。", attachments=["统计表"]),
        by=county.office,
        today=datetime.date(2012, 6, 30),
        period_start=datetime.date(2010, 7, 1),  # the half-year of the tallied rounds
    )
    issue_for_the_worker(circular, county.office, monkeypatch)
    number = Circular.objects.get(pk=circular.pk).number_text

    def rendering() -> bool:
        row = Circular.objects.filter(pk=circular.pk).values("state", "progress").get()
        assert row["state"] != CircularState.ISSUED, "the render ended before it could be killed"
        return row["state"] == CircularState.RENDERING and row["progress"] >= PROGRESS_HTML

    wait_for(rendering, "the worker to reach WeasyPrint", seconds=90, every=0.005)
    (child,) = child_processes(worker_and_beat.process.pid)
    os.kill(child, signal.SIGKILL)
    killed = Circular.objects.get(pk=circular.pk)
    assert (killed.state, killed.attempts, bool(killed.pdf)) == (CircularState.RENDERING, 1, False)

    wait_for(
        lambda: Circular.objects.get(pk=circular.pk).state == CircularState.ISSUED,
        "the render to be taken over and finished",
        seconds=120,
        every=0.2,
    )
    circular.refresh_from_db()
    assert circular.error == "" and circular.number_text == number
    assert circular.attempts == 2, "the takeover rendered once"
    data = circular.pdf.read()
    assert hashlib.sha256(data).hexdigest() == circular.sha256
    assert len(read_pdf(data).pages) == circular.pages > 1
    # One PDF on disk: the killed render left no file, whole or partial.
    stored = [path for path in (settings.MEDIA_ROOT / "circulars").rglob("*") if path.is_file()]
    assert [path.name for path in stored] == [os.path.basename(circular.pdf.name)]
    assert not OutboxEntry.objects.exists()
