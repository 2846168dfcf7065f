"""The worker probe behind /health/?worker=1."""

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
