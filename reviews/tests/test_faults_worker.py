"""Faults: the worker process running a tally is killed (as the kernel's OOM killer
would, SIGKILL). The task is delivered again (acks_late, reject on worker lost), runs
again from the start, and the result is complete and single: the killed run's
transaction never committed, and the tally is idempotent."""

import os
import signal
import uuid

import psycopg2
import pytest
from django.db import connection

from campaign.celery import app
from campaign.devdata.benchmarks import child_processes
from campaign.tests.fault_services import CeleryWorker, wait_for
from pledges.models import Rectification
from reviews.models import EvaluationRound, RemedialRectification, RoundState, TallyResult
from reviews.tests.factories import open_round_with_votes

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def prefork_worker():
    """A real worker as production runs it: a parent and a pool child that runs tasks."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = CeleryWorker(queue)
    app.conf.task_always_eager = False
    try:
        yield worker.process, queue
    finally:
        app.conf.task_always_eager = True
        worker.close()


def someone_waits_on_a_lock(holder) -> bool:
    """Whether a session other than ``holder`` waits for a lock: the worker's task has
    reached the row the test holds."""
    with connection.cursor() as probe:
        probe.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> %s",
            [holder.get_backend_pid()],
        )
        return probe.fetchone()[0] > 0


def test_a_tally_whose_worker_is_killed_is_done_again_complete_and_once(county, campaign, prefork_worker):
    from reviews.tasks import tally_round

    process, queue = prefork_worker
    evaluation_round = open_round_with_votes(county, campaign)
    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(state=RoundState.CLOSED)

    # Hold the round's row: the worker's tally starts its transaction and waits on it.
    settings_dict = connection.settings_dict
    holder = psycopg2.connect(
        dbname=settings_dict["NAME"], user=settings_dict["USER"], host=settings_dict["HOST"], port=settings_dict["PORT"]
    )
    cursor = holder.cursor()
    cursor.execute("SELECT 1 FROM reviews_evaluationround WHERE id = %s FOR UPDATE", [evaluation_round.pk])

    result = tally_round.apply_async(args=[evaluation_round.pk], queue=queue)

    wait_for(lambda: someone_waits_on_a_lock(holder), "the worker's tally to reach the round")
    (child,) = child_processes(process.pid)
    os.kill(child, signal.SIGKILL)
    wait_for(lambda: child not in child_processes(process.pid), "the killed child to be replaced")
    holder.rollback()
    holder.close()

    summary = result.get(timeout=90)

    assert summary["flagged"] == 1
    evaluation_round.refresh_from_db()
    assert evaluation_round.state == RoundState.TALLIED
    subjects = evaluation_round.subjects.count()
    # One overall result per subject, none twice; one remedial task for the one flagged member.
    assert TallyResult.objects.filter(round=evaluation_round, category="").count() == subjects
    assert TallyResult.objects.filter(round=evaluation_round, category="").values("subject").distinct().count() == (
        subjects
    )
    assert RemedialRectification.objects.filter(round=evaluation_round).count() == 1
    assert Rectification.objects.filter(remedial__round=evaluation_round).count() == 1


def test_forms_held_for_a_batch_survive_the_worker_killed_while_releasing_it(county, campaign, prefork_worker):
    """The worker is killed in the middle of moving a batch out: its transaction never
    commits, so every form stays held, whole; the next release (the beat's next turn)
    and the tally take them all, each once."""
    from reviews.ballots import ballot_cast
    from reviews.models import Ballot, EvaluationCode, EvaluationSubject, HeldForm
    from reviews.tasks import release_held_ballots, tally_round
    from reviews.tests.factories import make_round

    process, queue = prefork_worker
    campaign.ballot_batch_size = 5
    campaign.save()
    evaluation_round = make_round(campaign, county.branch_a1, state=RoundState.OPEN, codes={"public": 20})
    subjects = list(EvaluationSubject.objects.filter(round=evaluation_round).values_list("pk", flat=True))
    for code in EvaluationCode.objects.filter(round=evaluation_round).values_list("code", flat=True)[:12]:
        ballot_cast(code=code, choices=dict.fromkeys(subjects, "satisfied"), comments={})
    assert HeldForm.objects.count() == 12

    # Hold one held form's row: the worker's release takes its transaction and waits on it.
    settings_dict = connection.settings_dict
    holder = psycopg2.connect(
        dbname=settings_dict["NAME"], user=settings_dict["USER"], host=settings_dict["HOST"], port=settings_dict["PORT"]
    )
    holder.cursor().execute(
        "SELECT 1 FROM reviews_heldform WHERE box_id = %s LIMIT 1 FOR UPDATE", [evaluation_round.pk]
    )
    release_held_ballots.apply_async(queue=queue)

    wait_for(lambda: someone_waits_on_a_lock(holder), "the worker's release to reach the held forms")
    (child,) = child_processes(process.pid)
    os.kill(child, signal.SIGKILL)
    wait_for(lambda: child not in child_processes(process.pid), "the killed child to be replaced")
    holder.rollback()
    holder.close()
    assert HeldForm.objects.count() == 12 and not Ballot.objects.exists()

    assert release_held_ballots.apply_async(queue=queue).get(timeout=60) == 7  # 12 held: 7 out, k = 5 back
    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(state=RoundState.CLOSED)
    assert tally_round.apply_async(args=[evaluation_round.pk], queue=queue).get(timeout=60)["forms"] == 12
    assert not HeldForm.objects.exists()
    assert Ballot.objects.filter(round=evaluation_round).count() == 12
