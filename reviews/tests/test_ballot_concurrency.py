"""One code, one form, even when the same code is submitted at the same instant
(PostgreSQL, real concurrent transactions: each thread has its own connection)."""

import threading
from collections import Counter

import pytest
from django.db import connection, transaction

from orgs.scoping import unscoped
from reviews.ballots import ballot_cast
from reviews.models import Ballot, BallotChoice, Choice, EvaluationCode, EvaluationSubject, HeldForm, RoundState
from reviews.public_ballot import BallotRefused
from reviews.rounds import round_transition
from reviews.tests.factories import forms_out, make_round

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(jobs):
    """Run the callables in threads released at the same moment; returns their
    outcomes: "stored", or the refusal reason's value."""
    barrier = threading.Barrier(len(jobs))
    outcomes = []
    lock = threading.Lock()

    def worker(job):
        try:
            barrier.wait()
            try:
                job()
                outcome = "stored"
            except BallotRefused as refused:
                outcome = refused.reason.value
            with lock:
                outcomes.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a submission hung"
    return Counter(outcomes)


def cast_job(code, choices):
    def job():
        ballot_cast(code=code, choices=choices, comments={})

    return job


@pytest.fixture
def open_round(campaign, county):
    return make_round(campaign, county.branch_a1, state=RoundState.OPEN, codes={"public": 60, "party_member": 10})


def stored_forms(evaluation_round):
    """Forms stored for the round: ballots, and forms held for their batch."""
    held = HeldForm.objects.filter(kind="evaluation", box_id=evaluation_round.pk).count()
    return Ballot.objects.filter(round=evaluation_round).count() + held


def all_satisfied(evaluation_round):
    return {
        pk: Choice.SATISFIED
        for pk in EvaluationSubject.objects.filter(round=evaluation_round).values_list("pk", flat=True)
    }


def test_twenty_simultaneous_submissions_of_one_code_store_exactly_one_form(open_round):
    code = EvaluationCode.objects.filter(round=open_round).first().code
    choices = all_satisfied(open_round)

    outcomes = run_together([cast_job(code, choices) for _ in range(20)])

    assert outcomes == Counter({"stored": 1, "used": 19})
    forms_out(open_round)
    assert Ballot.objects.count() == 1
    assert BallotChoice.objects.count() == len(choices)
    assert EvaluationCode.objects.filter(used=True).count() == 1


def test_fifty_codes_each_submitted_four_times_at_once_store_fifty_forms(open_round):
    codes = list(EvaluationCode.objects.filter(round=open_round).values_list("code", flat=True)[:50])
    choices = all_satisfied(open_round)

    # Ten codes at a time (40 connections: PostgreSQL allows 100 by default), each
    # code's four submissions released at the same instant.
    outcomes = Counter()
    for start in range(0, len(codes), 10):
        outcomes += run_together([cast_job(code, choices) for code in codes[start : start + 10] for _ in range(4)])

    assert outcomes == Counter({"stored": 50, "used": 150})
    forms_out(open_round)
    assert Ballot.objects.count() == 50
    assert BallotChoice.objects.count() == 50 * len(choices)
    assert set(EvaluationCode.objects.filter(used=True).values_list("code", flat=True)) == set(codes)


def test_no_form_is_stored_after_the_round_closing_commits(open_round):
    """Casting holds the round open: every form is either in before the close commits
    (and so in the tally) or refused because voting has ended."""
    codes = list(EvaluationCode.objects.filter(round=open_round).values_list("code", flat=True)[:30])
    choices = all_satisfied(open_round)
    counted_at_close = []

    def close():
        with unscoped("test"):
            with transaction.atomic():
                round_transition(open_round, "close")
            counted_at_close.append(stored_forms(open_round))

    jobs = [cast_job(code, choices) for code in codes]
    jobs.insert(len(jobs) // 2, close)
    outcomes = run_together(jobs)

    stored = stored_forms(open_round)
    assert counted_at_close == [stored]
    assert outcomes["stored"] == stored + 1  # the close itself reports "stored"
    assert outcomes["stored"] + outcomes["ended"] == len(jobs)
    assert EvaluationCode.objects.filter(round=open_round, used=True).count() == stored
