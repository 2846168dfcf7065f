"""Rewriting whole tables, so that nothing of their rows' past is left in them.

PostgreSQL never overwrites a row: an update or a delete leaves the old version in the
table's pages, with the id of the transaction that wrote it, until VACUUM marks the
space free, and even then the bytes stay until something is written over them. For the
tables that held the traces of secret ballots (which code was used in which
transaction, the sealed forms) that past would tie codes to forms, so after a round is
tallied or a vote counted they are rewritten: ``VACUUM FULL`` copies the live rows
into new files and drops the old ones.

It takes an exclusive lock on each table for as long as the copy lasts (well under a
second for a county's codes), so casts elsewhere pause that long. It waits at most
``lock_timeout`` for the lock, so a long transaction never queues every cast behind it:
when it cannot have the lock the task is retried, and the nightly run catches up.

SQLite: nothing is done; it is for a single machine trying the app, not the threat model
(README, "Secret ballots").
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import connection

LOCK_TIMEOUT = "3s"


def tables_rewrite(labels: list[str] | None = None) -> list[str]:
    """VACUUM FULL the tables of the models named by ``labels`` ("app.Model"; by default
    settings.SECRET_BALLOT_TABLES), one at a time; returns the tables rewritten. Must run
    outside a transaction: inside one (a test's) it does nothing and says so by
    returning an empty list."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return []
    tables = [apps.get_model(label)._meta.db_table for label in (labels or settings.SECRET_BALLOT_TABLES)]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = %s", [LOCK_TIMEOUT])
        try:
            for table in tables:
                cursor.execute(f"VACUUM FULL {quote(table)}")  # the names are the models', not input
        finally:
            cursor.execute("RESET lock_timeout")
    return tables
