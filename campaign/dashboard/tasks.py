"""Tasks of the figures rollup (campaign.dashboard.figures): one month on demand, the current month on a beat."""

import datetime

from celery import shared_task
from django.utils import timezone

from campaign.campaigns.models import Campaign
from campaign.dashboard.figures import figures_refresh
from orgs.scoping import unscoped


@shared_task
def refresh_figures(campaign_id: int, month: str) -> int:
    """Recompute one month of a campaign's figures (campaign.dashboard.figures); ``month`` is ISO."""
    with unscoped("refresh_figures"):
        campaign = Campaign.objects.filter(pk=campaign_id).first()
        if campaign is None:
            return 0
        return figures_refresh(campaign=campaign, month=datetime.date.fromisoformat(month))


@shared_task
def refresh_current_figures() -> int:
    """Beat: keep the current month of every running campaign fresh."""
    today = timezone.localdate()
    with unscoped("refresh_current_figures"):
        campaigns = list(Campaign.objects.filter(starts_on__lte=today, ends_on__gte=today).values_list("pk", flat=True))
    for pk in campaigns:
        refresh_figures.delay(pk, today.replace(day=1).isoformat())
    return len(campaigns)
