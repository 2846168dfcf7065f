from celery import shared_task
from django.db import connection

from orgs.models import Organization
from orgs.scoping import unscoped


@shared_task
def health_probe() -> dict:
    """Proves a worker is up and reaches the database; /health/?worker=1 waits for it."""
    with unscoped("health_probe"):
        organizations = Organization.objects.count()
    return {"database": connection.vendor, "organizations": organizations}


@shared_task
def close_due_votes() -> int:
    """Beat: close and count the public votes whose closing time has passed."""
    from campaign.votes import votes_close_due

    with unscoped("close_due_votes"):
        return votes_close_due()
