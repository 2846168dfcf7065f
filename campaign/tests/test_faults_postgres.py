"""Faults: PostgreSQL goes away under a running server and comes back. Requests made
meanwhile fail at once and cleanly (503 from /health/, the Chinese error page elsewhere);
afterwards the same server processes answer again without a restart (persistent
connections are health-checked, CONN_HEALTH_CHECKS).

The first two tests leave the shared PostgreSQL server running: the test database is
closed to new connections and its sessions are ended, which is what a restart looks like
to the app. The last one restarts a server of its own, for real, under load."""

import threading
import time

import pytest
from django.db import connection

from campaign.tests.fault_services import Gunicorn, PrivatePostgres, cast_over_http, request
from conftest import require
from orgs.scoping import unscoped
from reviews.models import EvaluationCode, EvaluationSubject, RoundState
from reviews.tests.factories import make_round

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def get(port: int, path: str) -> tuple[int, str, float]:
    status, _headers, body, seconds = request(port, "GET", path)
    return status, body, seconds


@pytest.fixture
def server():
    """gunicorn as production runs it (persistent connections), on the test database."""
    gunicorn = Gunicorn(CONN_MAX_AGE="600")
    yield gunicorn.port
    gunicorn.close()


def on_the_server(*statements: tuple[str, list]) -> None:
    """Statements run from the server's maintenance database: a database cannot close
    itself to connections."""
    import psycopg2

    database = connection.settings_dict
    admin = psycopg2.connect(
        dbname="postgres",
        user=database["USER"],
        host=database["HOST"],
        port=database["PORT"],
        password=database.get("PASSWORD") or None,
    )
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
    finally:
        admin.close()


def database_down(name: str) -> None:
    on_the_server(
        (f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false', []),  # the name is Django's, not input
        ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]),
    )


def database_up(name: str) -> None:
    on_the_server((f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true', []))


def test_requests_fail_cleanly_while_postgresql_is_away_and_the_server_recovers_by_itself(county, server):
    name = connection.settings_dict["NAME"]
    for _ in range(3):  # persistent connections in both of the worker's threads
        assert get(server, "/health/")[0] == 200
        assert get(server, "/accounts/login/")[0] == 200

    connection.close()  # the test's own session goes too, as in a restart
    database_down(name)
    try:
        status, body, seconds = get(server, "/health/")
        assert status == 503 and "database-unavailable" in body and seconds < 10
        status, body, seconds = get(server, "/p/ABCDEFGHJK/")  # an evaluator's form: no login, straight to the database
        assert status == 500 and "系统出错了" in body and seconds < 10
    finally:
        database_up(name)

    # The same processes, no restart: every request is served again.
    for _ in range(4):
        assert get(server, "/health/")[0] == 200
        assert get(server, "/accounts/login/")[0] == 200


def test_after_a_restart_nobody_noticed_the_first_requests_are_served_too(county, server):
    """Sessions ended while the server was idle: without a health check each worker
    thread's first request would meet a dead connection and fail."""
    name = connection.settings_dict["NAME"]
    for _ in range(3):
        assert get(server, "/health/")[0] == 200
        assert get(server, "/accounts/login/")[0] == 200

    connection.close()
    database_down(name)
    database_up(name)

    statuses = [get(server, "/health/")[0] for _ in range(4)]
    assert statuses == [200] * 4


@pytest.fixture
def private_postgres():
    server = PrivatePostgres()
    require(server.available, "PostgreSQL's server programs (initdb, pg_ctl)")
    server.start()
    yield server
    server.close()


def test_a_real_restart_under_load_fails_requests_cleanly_and_loses_or_halves_no_form(
    campaign, county, private_postgres
):
    """A PostgreSQL server of the test's own is restarted (pg_ctl restart) while readers
    and evaluators keep gunicorn busy. Every request answers within seconds, as a page
    or a clean failure; every form answered 302 is stored whole, none is stored in part;
    the same gunicorn serves on afterwards."""
    with unscoped("test"):
        evaluation_round = make_round(campaign, county.branch_a1, state=RoundState.OPEN, codes={"public": 60})
        codes = list(EvaluationCode.objects.filter(round=evaluation_round).values_list("code", flat=True))
        subjects = list(EvaluationSubject.objects.filter(round=evaluation_round).values_list("pk", flat=True))
    database_url = private_postgres.copy_database(connection.settings_dict, "campaign_restart")
    web = Gunicorn(DATABASE_URL=database_url, CONN_MAX_AGE="600")
    base_url = f"http://127.0.0.1:{web.port}"
    pages, forms, broken = [], [], []
    stop = threading.Event()

    def read(path: str) -> None:
        while not stop.is_set():
            try:
                status, body, seconds = get(web.port, path)
                pages.append((path, status, seconds, "系统出错了" in body or "database-unavailable" in body))
            except OSError as error:
                broken.append((path, repr(error)))

    def cast(codes_of_this_evaluator: list[str]) -> None:
        for code in codes_of_this_evaluator:
            if stop.is_set():
                return
            start = time.monotonic()
            try:
                forms.append((code, *cast_over_http(base_url, code, subjects), time.monotonic() - start))
            except OSError as error:
                broken.append((code, repr(error)))

    threads = [threading.Thread(target=read, args=(path,)) for path in ("/health/", "/accounts/login/")]
    last_code, codes = codes[-1], codes[:-1]  # the last, for after the restart
    threads += [threading.Thread(target=cast, args=(codes[index::2],)) for index in range(2)]
    try:
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        private_postgres.restart()
        time.sleep(1.5)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

        failed = [page for page in pages if page[1] != 200] + [form for form in forms if form[2] != 302]
        slowest = max(seconds for *_rest, seconds, _clean in pages)
        print(
            f"restart under load: {len(pages)} pages, {len(forms)} forms, {len(failed)} failed, slowest {slowest:.2f} s"
        )
        assert not broken, "requests went unanswered or the connection broke"
        for path, status, seconds, failed_cleanly in pages:
            assert seconds < 10, (path, seconds)
            assert status == 200 or (status in (500, 503) and failed_cleanly), (path, status, failed_cleanly)
        for code, opened, posted, seconds in forms:
            assert seconds < 20, (code, seconds)
            assert opened in (200, 500) and posted in (0, 302, 500), (code, opened, posted)
        # The same server processes, no restart of theirs: everything is served again.
        for _ in range(4):
            assert get(web.port, "/health/")[0] == 200
        assert cast_over_http(base_url, last_code, subjects) == (200, 302)
    finally:
        stop.set()
        web.close()

    stored = private_rows(
        database_url,
        "SELECT b.id, count(c.id) FROM reviews_ballot b LEFT JOIN reviews_ballotchoice c ON c.ballot_id = b.id "
        "WHERE b.round_id = %s GROUP BY b.id",
        [evaluation_round.pk],
    )
    used = {
        code
        for (code,) in private_rows(
            database_url, "SELECT code FROM reviews_evaluationcode WHERE round_id = %s AND used", [evaluation_round.pk]
        )
    }
    accepted = {code for code, _opened, posted, _seconds in forms if posted == 302} | {last_code}
    assert accepted <= used, "a form answered 302 was lost"
    # Forms still held for their batch are stored too: each opens whole, with every subject.
    from reviews.ballots import _form_from_bytes, _round_choice_keys
    from reviews.held_forms import form_unseal

    choice_keys = _round_choice_keys(evaluation_round.pk)
    held = [
        _form_from_bytes(
            form_unseal(bytes(sealed), box=f"evaluation:{evaluation_round.pk}:{category}".encode()), choice_keys
        )
        for category, sealed in private_rows(
            database_url,
            "SELECT category, sealed FROM reviews_heldform WHERE kind = 'evaluation' AND box_id = %s",
            [evaluation_round.pk],
        )
    ]
    assert all(len(form) == len(subjects) for form in held), "a held form was stored in part"
    assert len(stored) + len(held) == len(used), "a code used without its form, or a form without its code"
    assert all(choices == len(subjects) for _ballot, choices in stored), "a form stored in part"
    assert len(pages) > 50 and len(forms) > 4  # the load really ran across the restart


def private_rows(database_url: str, sql: str, parameters: list) -> list[tuple]:
    import psycopg2

    with psycopg2.connect(database_url) as database, database.cursor() as cursor:
        cursor.execute(sql, parameters)
        rows = cursor.fetchall()
    database.close()
    return rows
