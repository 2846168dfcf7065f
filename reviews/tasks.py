"""Thin tasks: ids in, a service does the work (see reviews.rounds and reviews.tally).
Services queue these by name (campaign.infra.outbox), never by importing this module."""

from celery import shared_task

from orgs.scoping import unscoped


@shared_task(acks_late=True)
def tally_round(round_id: int) -> dict:
    """Tally a closed round. Idempotent: a second run, or a run after a crash, gives the same result."""
    from reviews.tally import round_tally

    with unscoped("tally_round"):
        return round_tally(round_id=round_id)


@shared_task
def release_held_ballots() -> int:
    """Beat, every minute: held forms out as ballots in shuffled batches (reviews.ballots).
    On the clock, never after a cast, so the worker's log keeps no time per cast."""
    from reviews.ballots import held_ballots_release_due

    return held_ballots_release_due()


@shared_task
def close_due_rounds() -> int:
    """Beat: close the open rounds whose closing time has passed (each queues its tally)."""
    from reviews.rounds import rounds_close_due

    with unscoped("close_due_rounds"):
        return rounds_close_due()


@shared_task
def mark_overdue_reviews() -> int:
    """Beat, daily: mark the subjects that went the previous review period without a review."""
    from django.utils import timezone

    from reviews.review_coverage import overdue_reviews_mark

    with unscoped("mark_overdue_reviews"):
        return overdue_reviews_mark(today=timezone.localdate())
