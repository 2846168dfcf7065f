"""The outbox's beat: hand the broker what was asked for while it was down."""

from celery import shared_task


@shared_task
def send_outbox() -> int:
    """Beat: hand the broker the tasks asked for while it was down (campaign.infra.outbox)."""
    from campaign.infra.outbox import outbox_send_waiting

    return outbox_send_waiting()
