"""One code, one paper, even when the same code is sent at the same instant; no paper
after the count; and PostgreSQL's bookkeeping pairs no paper with its code (real
concurrent transactions: each thread has its own connection)."""

import random
import threading
from collections import Counter

import pytest
from django.db import connection

from campaign.nominations.votes.models import PublicVoteNominee, VoteBallot, VoteChoice, VoteCode
from campaign.nominations.votes.services import vote_cast, vote_close
from campaign.tests.factories import make_nomination, make_vote, papers_out
from orgs.scoping import unscoped
from reviews.public_ballot import BallotRefused

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
                with unscoped("test"):
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


def cast_job(code, nominee_ids):
    def job():
        vote_cast(code=code, nominee_ids=nominee_ids)

    return job


@pytest.fixture
def vote(county, campaign):
    nominations = [make_nomination(campaign, organization) for organization in (county.branch_a1, county.branch_b1)]
    return make_vote(campaign, nominations, codes=300, max_choices=2)


def nominee_ids(vote):
    return list(PublicVoteNominee.objects.filter(vote=vote).order_by("order").values_list("pk", flat=True))


def codes_of(vote, count):
    return list(VoteCode.objects.filter(vote=vote).order_by("code").values_list("code", flat=True)[:count])


def test_twenty_simultaneous_papers_with_one_code_store_exactly_one(vote):
    outcomes = run_together([cast_job(codes_of(vote, 1)[0], nominee_ids(vote)) for _ in range(20)])

    assert outcomes == Counter({"stored": 1, "used": 19})
    papers_out(vote)
    assert VoteBallot.objects.count() == 1
    assert VoteChoice.objects.count() == 2
    assert VoteCode.objects.filter(used=True).count() == 1


def test_thirty_codes_each_sent_four_times_at_once_store_thirty_papers(vote):
    codes = codes_of(vote, 30)
    outcomes = Counter()
    # Ten codes at a time (40 connections: PostgreSQL allows 100 by default).
    for start in range(0, len(codes), 10):
        jobs = [cast_job(code, nominee_ids(vote)[:1]) for code in codes[start : start + 10] for _ in range(4)]
        outcomes += run_together(jobs)

    assert outcomes == Counter({"stored": 30, "used": 90})
    papers_out(vote)
    assert VoteBallot.objects.count() == 30
    assert set(VoteCode.objects.filter(used=True).values_list("code", flat=True)) == set(codes)


def test_no_paper_is_stored_after_the_count_commits(county, vote):
    """Casting holds the vote open: every paper is in before the count, or refused."""
    codes = codes_of(vote, 30)
    ids = nominee_ids(vote)
    counted = []

    def close():
        counted.append(vote_close(vote=vote, by=county.office).ballots_cast)

    jobs = [cast_job(code, ids[:1]) for code in codes]
    jobs.insert(len(jobs) // 2, close)
    outcomes = run_together(jobs)

    stored = VoteBallot.objects.filter(vote=vote).count()  # the count released every held paper
    assert counted == [stored]
    assert outcomes["stored"] == stored + 1  # the close itself reports "stored"
    assert outcomes["stored"] + outcomes["ended"] == len(jobs)
    assert PublicVoteNominee.objects.get(pk=ids[0]).votes == stored


# ---------------------------------------------------------------------------
# PostgreSQL's transaction ids (xmin) and row places (ctid)
# ---------------------------------------------------------------------------


def xmins(table, where="", params=()):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT xmin::text::bigint FROM {table} {where}", params)  # table names are ours, not input
        return [value for (value,) in cursor.fetchall()]


def test_no_paper_shares_a_transaction_id_with_any_code(vote):
    for code in codes_of(vote, 6):
        vote_cast(code=code, nominee_ids=nominee_ids(vote)[:1])
    papers_out(vote)

    papers = set(xmins(VoteBallot._meta.db_table)) | set(xmins(VoteChoice._meta.db_table))
    # One batch, one transaction, none of the casts'.
    assert len(set(xmins(VoteBallot._meta.db_table))) == 1
    assert not papers & set(xmins(VoteCode._meta.db_table))


def test_a_cast_writes_its_paper_sealed_in_its_own_transaction_and_no_ballot(vote):
    """The trap held papers close, shown: the query that would link a code to what its
    transaction wrote finds only the sealed paper."""
    code = codes_of(vote, 1)[0]
    vote_cast(code=code, nominee_ids=nominee_ids(vote)[:1])

    with connection.cursor() as cursor:
        cursor.execute("SELECT c.code FROM reviews_heldform h JOIN campaign_votecode c ON h.xmin = c.xmin")
        assert cursor.fetchall() == [(code,)]
        cursor.execute("SELECT count(*) FROM campaign_voteballot")
        assert cursor.fetchone() == (0,)


def ascents(sequence):
    return sum(1 for before, after in zip(sequence, sequence[1:], strict=False) if after > before)


def test_after_the_count_codes_do_not_lie_in_the_order_they_were_used(county, vote):
    used = random.Random(2011).sample(codes_of(vote, 300), 40)
    for code in used:
        vote_cast(code=code, nominee_ids=nominee_ids(vote)[:1])
    vote_close(vote=vote, by=county.office)

    with connection.cursor() as cursor:
        cursor.execute("SELECT code FROM campaign_votecode WHERE vote_id = %s ORDER BY ctid", [vote.pk])
        placed = [code for (code,) in cursor.fetchall()]
    positions = [used.index(code) for code in placed if code in used]
    # In the order of use 39 of 39 neighbours would ascend; shuffled, about 19.5 (sd 1.8).
    assert ascents(positions) < 30


def test_the_count_gives_every_code_of_the_vote_one_transaction_id(county, vote):
    for code in codes_of(vote, 3):
        vote_cast(code=code, nominee_ids=nominee_ids(vote)[:1])
    vote_close(vote=vote, by=county.office)
    assert len(set(xmins(VoteCode._meta.db_table, "WHERE vote_id = %s", [vote.pk]))) == 1
