"""The tally as a task: queued after the close commits, idempotent, all or nothing."""

import threading

import pytest
from django.db import connection

from pledges.models import Rectification
from reviews import tally
from reviews.models import (
    EvaluationCode,
    EvaluationRound,
    RemedialRectification,
    RoundState,
    TallyResult,
)
from reviews.rounds import round_close
from reviews.tally import round_tally
from reviews.tests.factories import open_round_with_votes

RESULT_FIELDS = [
    "subject_id",
    "category",
    "forms",
    "satisfied",
    "dissatisfied",
    "unknown",
    "choice_counts",
    "satisfaction",
    "below_threshold",
]


def stored_results(evaluation_round):
    return sorted(
        TallyResult.objects.filter(round=evaluation_round).values_list(*RESULT_FIELDS),
        key=lambda row: (row[0], row[1]),
    )


def test_closing_queues_the_tally_only_after_the_close_commits(county, campaign, django_capture_on_commit_callbacks):
    evaluation_round = open_round_with_votes(county, campaign)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        round_close(evaluation_round=evaluation_round, by=county.secretary_user_a1)
        evaluation_round.refresh_from_db()
        assert evaluation_round.state == RoundState.CLOSED
        assert not TallyResult.objects.filter(round=evaluation_round).exists(), "tallied before the close committed"

    assert len(callbacks) == 2  # the tally, and the rewrite of the code tables it asks for
    evaluation_round.refresh_from_db()
    assert evaluation_round.state == RoundState.TALLIED
    assert TallyResult.objects.filter(round=evaluation_round, below_threshold=True).count() == 1
    assert RemedialRectification.objects.filter(round=evaluation_round).count() == 1


def test_a_second_run_on_a_tallied_round_changes_nothing(county, campaign, django_capture_on_commit_callbacks):
    evaluation_round = open_round_with_votes(county, campaign)
    with django_capture_on_commit_callbacks(execute=True):
        round_close(evaluation_round=evaluation_round, by=county.secretary_user_a1)
    rows = list(TallyResult.objects.filter(round=evaluation_round).order_by("pk").values())
    tallied_at = EvaluationRound.objects.get(pk=evaluation_round.pk).tallied_at

    summary = round_tally(round_id=evaluation_round.pk)

    assert list(TallyResult.objects.filter(round=evaluation_round).order_by("pk").values()) == rows
    assert EvaluationRound.objects.get(pk=evaluation_round.pk).tallied_at == tallied_at
    assert summary == {
        "round_id": evaluation_round.pk,
        "state": RoundState.TALLIED,
        "subjects": 4,
        "flagged": 1,
        "not_evaluated": 0,
        "forms": 10,
    }


def test_a_forced_recount_gives_identical_results_and_no_second_rectification(county, campaign):
    evaluation_round = open_round_with_votes(county, campaign)
    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(state=RoundState.CLOSED)
    first_summary = round_tally(round_id=evaluation_round.pk)
    first = stored_results(evaluation_round)

    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(state=RoundState.CLOSED)
    second_summary = round_tally(round_id=evaluation_round.pk)

    assert stored_results(evaluation_round) == first
    assert first_summary == second_summary
    assert Rectification.objects.filter(remedial__round=evaluation_round).count() == 1


def test_a_crash_inside_the_tally_leaves_no_result_and_the_round_closed(county, campaign, monkeypatch):
    evaluation_round = open_round_with_votes(county, campaign)
    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(state=RoundState.CLOSED)

    def crash(*args, **kwargs):
        raise RuntimeError("worker lost")

    monkeypatch.setattr(tally, "remedials_create", crash)
    with pytest.raises(RuntimeError):
        round_tally(round_id=evaluation_round.pk)

    assert not TallyResult.objects.filter(round=evaluation_round).exists()
    assert not Rectification.objects.exists()
    assert EvaluationRound.objects.get(pk=evaluation_round.pk).state == RoundState.CLOSED

    monkeypatch.undo()
    assert round_tally(round_id=evaluation_round.pk)["flagged"] == 1


def test_the_tally_retires_the_round_codes_in_its_transaction(county, campaign, monkeypatch):
    evaluation_round = open_round_with_votes(county, campaign)
    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(state=RoundState.CLOSED)
    retired = []
    real_retire = tally.codes_retire
    monkeypatch.setattr(
        tally,
        "codes_retire",
        lambda r: retired.append(connection.in_atomic_block) or real_retire(r),
    )

    round_tally(round_id=evaluation_round.pk)

    assert retired == [True]
    assert EvaluationCode.objects.filter(round=evaluation_round, used=True).count() == 15


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_tallies_at_once_store_one_result(county, campaign):
    evaluation_round = open_round_with_votes(county, campaign)
    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(state=RoundState.CLOSED)
    barrier = threading.Barrier(2)
    summaries, errors = [], []

    def run():
        from orgs.scoping import unscoped

        try:
            barrier.wait(timeout=10)
            with unscoped("test"):
                summaries.append(round_tally(round_id=evaluation_round.pk))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert summaries[0] == summaries[1]
    assert TallyResult.objects.filter(round=evaluation_round, category="").count() == 4
    assert RemedialRectification.objects.filter(round=evaluation_round).count() == 1


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_the_celery_worker_tallies_a_round_closed_in_a_committed_transaction(
    county,
    campaign,
    celery_worker_on_test_database,
):
    from reviews.tasks import tally_round

    evaluation_round = open_round_with_votes(county, campaign)
    # Closed and committed as round_close would; the task goes to the test worker's own queue.
    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(state=RoundState.CLOSED)
    result = tally_round.apply_async(args=[evaluation_round.pk], queue=celery_worker_on_test_database)
    assert result.get(timeout=60)["flagged"] == 1
    evaluation_round.refresh_from_db()
    assert evaluation_round.state == RoundState.TALLIED
