"""Tasks of the incident register: a written report still missing past its limit turns an
incident into 迟报 with time alone, with nobody saving anything."""

from celery import shared_task

from orgs.scoping import unscoped


@shared_task
def follow_up_overdue_incidents() -> int:
    """Beat, nightly: open the rectifications that incidents overdue since the last run
    call for, and ask their campaigns' scores to be recomputed. Idempotent: an incident
    gets its task once (campaign.incidents.services.incidents_overdue_follow_up)."""
    from campaign.campaigns.models import Campaign
    from campaign.incidents.services import incidents_overdue_follow_up

    opened = 0
    with unscoped("follow_up_overdue_incidents"):
        for campaign in Campaign.objects.filter(incident_kinds__isnull=False).distinct().order_by("pk"):
            opened += incidents_overdue_follow_up(campaign=campaign)
    return opened
