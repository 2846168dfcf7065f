"""The daily job behind 待办提醒 (campaign.reminders.services)."""

from celery import shared_task
from django.utils import timezone

from orgs.scoping import unscoped


@shared_task
def refresh_reminders() -> dict:
    """Beat, daily: put what is due on each responsible user's home page (campaign.reminders.services)."""
    from campaign.reminders.services import reminders_refresh

    with unscoped("refresh_reminders"):
        result = reminders_refresh(today=timezone.localdate())
    return {str(kind): vars(sync) for kind, sync in result.items()}
