"""The outbox's beat: hand the broker what was asked for while it was down."""

from celery import shared_task
from django.db import OperationalError


@shared_task
def send_outbox() -> int:
    """Beat: hand the broker the tasks asked for while it was down (campaign.infra.outbox)."""
    from campaign.infra.outbox import outbox_send_waiting

    return outbox_send_waiting()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=60, retry_backoff_max=900, max_retries=8, acks_late=True)
def rewrite_secret_tables() -> list[str]:
    """After a tally or a vote's count, and nightly: the tables that held ballot traces
    rewritten whole (campaign.infra.compaction). A lock not had in time is retried."""
    from campaign.infra.compaction import tables_rewrite

    return tables_rewrite()
