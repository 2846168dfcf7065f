"""Tasks of 公示票选: closing the votes whose time has passed."""

from celery import shared_task

from orgs.scoping import unscoped


@shared_task
def close_due_votes() -> int:
    """Beat: close and count the public votes whose closing time has passed."""
    from campaign.nominations.votes.services import votes_close_due

    with unscoped("close_due_votes"):
        return votes_close_due()


@shared_task
def release_held_votes() -> int:
    """Beat, every minute: held papers out as ballots in shuffled batches."""
    from campaign.nominations.votes.services import held_papers_release_due

    return held_papers_release_due()
