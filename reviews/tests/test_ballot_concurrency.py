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


@pytest.mark.redis
def test_two_hundred_posts_at_once_over_fifty_codes_store_fifty_forms_and_every_post_is_answered(open_round):
    """Over HTTP, to gunicorn as it is served: 50 phones, each code sent four times at the
    same instant. Every one of the 200 requests gets an answer, and 50 forms are stored."""
    import http.client
    from urllib.parse import urlencode

    from campaign.tests.fault_services import CSRF_COOKIE, CSRF_FIELD, Gunicorn, request

    codes = list(EvaluationCode.objects.filter(round=open_round).values_list("code", flat=True)[:50])
    choices = {f"choice_{pk}": Choice.SATISFIED for pk in all_satisfied(open_round)}
    # 200 phones, not one guesser: the guessing limit counts per address, and here all
    # of them share the test's.
    web = Gunicorn(as_served=True, BALLOT_FAILURE_LIMIT="1000")

    def call(method, path, body=None, headers=None):
        return request(web.port, method, path, body, headers)[:3]

    try:
        posts = []
        for code in codes:  # opened one by one, as phones would over a minute
            _status, headers, body = call("GET", f"/p/{code}/")
            cookie = CSRF_COOKIE.search(" ".join(headers.get_all("Set-Cookie") or [])).group(1)
            data = urlencode({"csrfmiddlewaretoken": CSRF_FIELD.search(body).group(1)} | choices)
            headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookie}"}
            posts += [(f"/p/{code}/", data, headers)] * 4
        barrier = threading.Barrier(len(posts))
        answers, unanswered = Counter(), []
        lock = threading.Lock()

        def post(path, data, headers):
            barrier.wait()
            try:
                status = call("POST", path, data, headers)[0]
            except (OSError, http.client.HTTPException) as error:
                with lock:
                    unanswered.append(repr(error))
                return
            with lock:
                answers[status] += 1

        threads = [threading.Thread(target=post, args=request) for request in posts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)
    finally:
        web.close()

    assert unanswered == [] and sum(answers.values()) == 200
    assert answers == Counter({302: 50, 409: 150})
    assert stored_forms(open_round) == 50
    assert EvaluationCode.objects.filter(round=open_round, used=True).count() == 50
