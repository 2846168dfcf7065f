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


@shared_task(acks_late=True)
def rewrite_used_codes(round_id: int, category: str) -> int:
    """Put a category's used codes back in random order after casts (reviews.ballots).
    Idempotent: a second run only shuffles them again."""
    from reviews.ballots import used_codes_rewrite, used_codes_rewrite_started

    used_codes_rewrite_started(round_id=round_id, category=category)
    return used_codes_rewrite(round_id=round_id, category=category)


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
