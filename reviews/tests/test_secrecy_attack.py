"""Secret ballots against a watching database administrator, played as the attack.

While forms are cast over HTTP (gunicorn) and a real worker releases held forms in
batches, a thread polls the used codes as a DBA would; afterwards the attacker pairs
the k-th code seen used with the k-th ballot in every order the tables give (xmin, ctid,
id, every column). Right pairs must be no more than chance within batches of k: about
one per batch (a shuffled batch has one fixed point on average). On the design before
held forms, the same pairing by xmin was right 20 times of 20.

Then the tally, and the raw pages (pageinspect) of the code, held-form and ballot
tables: no row version, live or dead, carries a casting transaction's id any more, and
the codes lie in no order of use."""

import math
import threading
import time

import psycopg2
import pytest
from django.db import connection

from campaign.celery import app
from campaign.tests.fault_services import Gunicorn, cast_over_http
from orgs.scoping import unscoped
from reviews.models import Ballot, BallotChoice, EvaluationCode, EvaluationSubject, RoundState
from reviews.tests.factories import make_round

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

FORMS = 60


def dba_connection():
    """A session of its own, as a DBA's psql beside the app."""
    database = connection.settings_dict
    session = psycopg2.connect(
        dbname=database["NAME"], user=database["USER"], host=database["HOST"] or "127.0.0.1", port=database["PORT"]
    )
    session.autocommit = True
    return session


def rows(session, sql, params=()):
    with session.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


@pytest.fixture
def evaluation(campaign, county):
    """A round with FORMS public codes; each form will carry a comment naming its code's
    place in the cast, so the test (not the attacker) knows which ballot each code cast."""
    with unscoped("test"):
        evaluation_round = make_round(campaign, county.branch_a1, state=RoundState.OPEN, codes={"public": FORMS})
        codes = list(EvaluationCode.objects.filter(round=evaluation_round).order_by("?").values_list("code", flat=True))
        subjects = list(EvaluationSubject.objects.filter(round=evaluation_round).values_list("pk", flat=True))
    return evaluation_round, codes, subjects


def right_pairs(seen_codes, ballot_ids, truth):
    """How many of the attacker's pairs (k-th code seen, k-th ballot) are right."""
    return sum(1 for code, ballot in zip(seen_codes, ballot_ids, strict=False) if truth.get(ballot) == code)


def chance_bound(batches: int) -> float:
    """Right pairs by chance: a fixed point per shuffled batch on average (Poisson);
    this bound is passed by chance about once in 100,000 runs."""
    return batches + 4 * math.sqrt(batches) + 2


@pytest.mark.redis
def test_a_dba_watching_the_codes_pairs_them_to_ballots_no_better_than_chance(
    evaluation, celery_worker_on_test_database
):
    evaluation_round, codes, subjects = evaluation
    queue = celery_worker_on_test_database
    web = Gunicorn(CONN_MAX_AGE="60")
    seen: list[str] = []  # codes in the order the DBA saw them used
    stop = threading.Event()

    def watch():
        session = dba_connection()
        try:
            while not stop.is_set():
                for (code,) in rows(
                    session,
                    "SELECT code FROM reviews_evaluationcode WHERE used AND round_id = %s",
                    [evaluation_round.pk],
                ):
                    if code not in seen:
                        seen.append(code)
                time.sleep(0.005)
        finally:
            session.close()

    def release_on_the_clock():
        while not stop.wait(0.5):  # the beat, faster
            app.send_task("reviews.tasks.release_held_ballots", queue=queue)

    watcher = threading.Thread(target=watch)
    beat = threading.Thread(target=release_on_the_clock)
    watcher.start()
    beat.start()
    try:
        base = f"http://127.0.0.1:{web.port}"
        for place, code in enumerate(codes):  # one after another, as the attack is easiest
            assert cast_over_http(base, code, subjects, {subjects[0]: f"第{place}份"}) == (200, 302)
            time.sleep(0.02)
        time.sleep(1.5)
    finally:
        stop.set()
        watcher.join()
        beat.join()
        web.close()
    assert len(seen) == FORMS

    # Batches released meanwhile by the worker; the rest go out at the close, as the tally does.
    from reviews.ballots import held_ballots_release

    with unscoped("test"):
        released_by_worker = Ballot.objects.filter(round=evaluation_round).count()
        held_ballots_release(evaluation_round, final=True)
    assert released_by_worker >= FORMS - 2 * evaluation_round.campaign.ballot_batch_size

    session = dba_connection()
    try:
        truth = {
            str(ballot): codes[int(comment[1:-1])]
            for ballot, comment in rows(
                session,
                "SELECT ballot_id, comment FROM reviews_ballotchoice WHERE subject_id = %s",
                [subjects[0]],
            )
        }
        assert len(truth) == FORMS
        batches = rows(session, "SELECT xmin::text, count(*) FROM reviews_ballot GROUP BY 1")
        # Every batch at least k forms.
        assert min(size for _xmin, size in batches) >= evaluation_round.campaign.ballot_batch_size
        bound = chance_bound(len(batches))
        orders = {
            "xmin": "SELECT id FROM reviews_ballot ORDER BY xmin::text::bigint, ctid",
            "ctid": "SELECT id FROM reviews_ballot ORDER BY ctid",
            "id": "SELECT id FROM reviews_ballot ORDER BY id",
            "category": "SELECT id FROM reviews_ballot ORDER BY category, ctid",
            "choice ctid": "SELECT ballot_id FROM reviews_ballotchoice WHERE subject_id = %s ORDER BY ctid",
            "choice id": "SELECT ballot_id FROM reviews_ballotchoice WHERE subject_id = %s ORDER BY id",
            "choice xmin": "SELECT ballot_id FROM reviews_ballotchoice WHERE subject_id = %s "
            "ORDER BY xmin::text::bigint, ctid",
        }
        for name, sql in orders.items():
            params = [subjects[0]] if "%s" in sql else []
            ballots = [str(ballot) for (ballot,) in rows(session, sql, params)]
            assert right_pairs(seen, ballots, truth) <= bound, name
        # Nor does a code's own transaction id meet a ballot's.
        linked = rows(
            session,
            "SELECT count(*) FROM reviews_evaluationcode c JOIN reviews_ballot b ON b.xmin = c.xmin "
            "WHERE c.round_id = %s",
            [evaluation_round.pk],
        )
        assert linked == [(0,)]
    finally:
        session.close()
    assert BallotChoice.objects.filter(round=evaluation_round).count() == FORMS * len(subjects)


def page_items(session, table):
    """(xmin, xmax) of every line of every page of ``table``, live and dead, read from the
    raw pages as pageinspect shows them, and the pages' raw bytes."""
    pages = rows(session, "SELECT pg_relation_size(%s) / current_setting('block_size')::int", [table])[0][0]
    items, raw = [], []
    for page in range(pages):
        items += rows(
            session,
            "SELECT t_xmin::text::bigint, t_xmax::text::bigint FROM heap_page_items(get_raw_page(%s, %s)) "
            "WHERE t_xmin IS NOT NULL",
            [table, page],
        )
        raw.append(bytes(rows(session, "SELECT get_raw_page(%s, %s)", [table, page])[0][0]))
    return items, b"".join(raw)


def test_after_the_tally_the_raw_pages_tie_no_code_to_its_ballot(evaluation):
    from reviews.rounds import round_transition
    from reviews.tally import round_tally

    evaluation_round, codes, subjects = evaluation
    from reviews.ballots import ballot_cast

    session = dba_connection()
    try:
        rows(session, "CREATE EXTENSION IF NOT EXISTS pageinspect")
        cast_xids = set()
        used_in_order = codes[:30]
        for code in used_in_order:
            with unscoped("test"):
                ballot_cast(code=code, choices=dict.fromkeys(subjects, "satisfied"), comments={})
            # What a watching DBA records: the transaction that used the code.
            cast_xids.add(
                rows(session, "SELECT xmin::text::bigint FROM reviews_evaluationcode WHERE code = %s", [code])[0][0]
            )
        with unscoped("test"):
            round_transition(evaluation_round, "close")
        # The tally, and after its commit the rewrite of the tables it asks for (run here, in-process).
        with unscoped("test"):
            round_tally(round_id=evaluation_round.pk)
            from campaign.infra.compaction import tables_rewrite

            assert tables_rewrite() == ["reviews_evaluationcode", "reviews_heldform", "campaign_votecode"]
        rows(session, "VACUUM reviews_ballot, reviews_ballotchoice")  # what a DBA would try next

        for table in ("reviews_evaluationcode", "reviews_heldform", "reviews_ballot", "reviews_ballotchoice"):
            items, raw = page_items(session, table)
            stamped = {xid for pair in items for xid in pair if xid}
            assert not stamped & cast_xids, table
            for xid in cast_xids:
                assert xid.to_bytes(4, "little") not in raw, (table, xid)
        # The held forms' TOAST table too, if it has one.
        toast = rows(
            session,
            "SELECT reltoastrelid::regclass::text FROM pg_class "
            "WHERE relname = 'reviews_heldform' AND reltoastrelid <> 0",
        )
        for (table,) in toast:
            items, _raw = page_items(session, table)
            assert not items, table
        # Codes lie in no order of use: the used ones, by place, ascend about half the time.
        placed = [
            code
            for (code,) in rows(
                session,
                "SELECT code FROM reviews_evaluationcode WHERE round_id = %s ORDER BY ctid",
                [evaluation_round.pk],
            )
        ]
        positions = [used_in_order.index(code) for code in placed if code in used_in_order]
        ascents = sum(1 for before, after in zip(positions, positions[1:], strict=False) if after > before)
        assert ascents < 22  # in the order of use 29 of 29 would; shuffled about 14.5 (sd 1.6)
    finally:
        session.close()
