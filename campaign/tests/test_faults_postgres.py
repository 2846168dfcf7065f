"""Faults: PostgreSQL goes away under a running server and comes back. Requests made
meanwhile fail at once and cleanly (503 from /health/, the Chinese error page elsewhere);
afterwards the same server processes answer again without a restart (persistent
connections are health-checked, CONN_HEALTH_CHECKS).

The shared PostgreSQL server is not restarted: the test database is closed to new
connections and its sessions are ended, which is what a restart looks like to the app."""

import pytest
from django.db import connection

from campaign.tests.fault_services import Gunicorn, request

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
