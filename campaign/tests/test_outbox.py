"""The outbox: a task asked for while the broker is down is kept with the change that
needed it and handed over once the broker answers again (campaign/infra/outbox.py). The
broker is simulated here; reviews/tests/test_faults_outbox.py stops a real Redis."""

import datetime
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from campaign.celery import app
from campaign.infra.models import OutboxEntry
from campaign.infra.outbox import outbox_enqueue, outbox_send_waiting
from reviews.models import EvaluationRound, RoundState, TallyResult
from reviews.tasks import tally_round
from reviews.tests.factories import open_round_with_votes

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parents[2]


class Broker:
    """Stands in for Redis: takes messages while up, refuses them as kombu does when down."""

    def __init__(self):
        self.up = True
        self.received = []
        self.worker = False  # when True, what it takes runs at once, as a worker would run it

    def apply_async(self, args=None, **options):
        if not self.up:
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        self.received.append(list(args))
        if self.worker:
            tally_round.apply(args=args, throw=True)


@pytest.fixture
def broker(monkeypatch):
    broker = Broker()
    monkeypatch.setattr(tally_round, "apply_async", broker.apply_async)
    app.conf.task_always_eager = False
    yield broker
    app.conf.task_always_eager = True


def test_without_a_broker_the_task_runs_here_after_the_commit(county, campaign, django_capture_on_commit_callbacks):
    evaluation_round = open_round_with_votes(county, campaign)
    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(state=RoundState.CLOSED)

    with django_capture_on_commit_callbacks(execute=True):
        outbox_enqueue("reviews.tasks.tally_round", evaluation_round.pk)
        assert OutboxEntry.objects.count() == 1

    assert not OutboxEntry.objects.exists()
    assert EvaluationRound.objects.get(pk=evaluation_round.pk).state == RoundState.TALLIED


def test_an_entry_the_broker_took_is_gone(broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outbox_enqueue("reviews.tasks.tally_round", 7)

    assert broker.received == [[7]]
    assert not OutboxEntry.objects.exists()


def test_an_entry_the_broker_refused_waits_and_says_why(broker, django_capture_on_commit_callbacks):
    broker.up = False
    with django_capture_on_commit_callbacks(execute=True):
        outbox_enqueue("reviews.tasks.tally_round", 7)

    entry = OutboxEntry.objects.get()
    assert (entry.task, entry.args, entry.attempts) == ("reviews.tasks.tally_round", [7], 1)
    assert "Connection refused" in entry.last_error


def test_nothing_is_sent_when_the_change_is_rolled_back(broker, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                outbox_enqueue("reviews.tasks.tally_round", 7)
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass

    assert broker.received == []
    assert not OutboxEntry.objects.exists()


def test_beat_sends_the_waiting_entries_in_order_once_the_broker_answers(broker, settings):
    settings.OUTBOX_GRACE_SECONDS = 30
    broker.up = False
    old = timezone.now() - datetime.timedelta(minutes=5)
    for round_id in (3, 1, 2):
        entry = outbox_enqueue("reviews.tasks.tally_round", round_id)
        OutboxEntry.objects.filter(pk=entry.pk).update(created_at=old)
    young = outbox_enqueue("reviews.tasks.tally_round", 9)

    assert outbox_send_waiting() == 0, "the broker is still down"
    assert list(OutboxEntry.objects.order_by("pk").values_list("attempts", flat=True)) == [1, 0, 0, 0], (
        "stopped at the first refusal"
    )

    broker.up = True
    assert outbox_send_waiting() == 3
    assert broker.received == [[3], [1], [2]]
    # The young entry is left to the send its own commit starts; a later run takes it.
    assert list(OutboxEntry.objects.values_list("pk", flat=True)) == [young.pk]
    assert outbox_send_waiting(now=timezone.now() + datetime.timedelta(minutes=1)) == 1
    assert broker.received[-1] == [9]
    assert not OutboxEntry.objects.exists()


def test_closing_a_round_while_the_broker_is_down_is_stored_and_its_tally_follows(client, county, campaign, broker):
    evaluation_round = open_round_with_votes(county, campaign)
    broker.up = False
    client.force_login(county.secretary_user_a1)

    response = client.post(reverse("reviews:round_close", args=[evaluation_round.pk]))

    assert response.status_code == 302
    assert EvaluationRound.objects.get(pk=evaluation_round.pk).state == RoundState.CLOSED
    assert OutboxEntry.objects.get().args == [evaluation_round.pk]

    broker.up, broker.worker = True, True
    OutboxEntry.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    assert outbox_send_waiting() == 1
    assert EvaluationRound.objects.get(pk=evaluation_round.pk).state == RoundState.TALLIED
    assert TallyResult.objects.filter(round=evaluation_round, below_threshold=True).count() == 1


def test_a_task_name_no_app_has_is_refused_before_anything_is_stored():
    with pytest.raises(KeyError, match="reviews.tasks.tally_rounds"):
        outbox_enqueue("reviews.tasks.tally_rounds", 7)
    assert not OutboxEntry.objects.exists()


def test_a_web_process_finds_a_task_by_name_without_anyone_importing_its_module():
    """Services name their tasks and never import them; the web process must still find them."""
    script = (
        "import sys, django; django.setup(); from campaign.infra.outbox import registered_task; "
        "assert 'reviews.tasks' not in sys.modules; print(registered_task('reviews.tasks.tally_round').name)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "reviews.tasks.tally_round"
