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
def refresh_reminders() -> dict:
    """Beat, daily: put what is due on each responsible user's home page (campaign.reminders)."""
    from django.utils import timezone

    from campaign.reminders import reminders_refresh

    with unscoped("refresh_reminders"):
        result = reminders_refresh(today=timezone.localdate())
    return {str(kind): vars(sync) for kind, sync in result.items()}
