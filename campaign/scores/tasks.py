"""Tasks of 考核评价: recomputing a period when asked for, and the running ones nightly."""

import datetime

from celery import shared_task
from django.utils import timezone

from orgs.scoping import unscoped


@shared_task(acks_late=True)
def recompute_scores(period_id: int) -> int:
    """Recompute a score period's scores when asked for, and freeze them when the office
    finalized it (campaign.scores.services). Idempotent: runs queued twice do the work once."""
    from campaign.scores.services import score_period_recompute

    with unscoped("recompute_scores"):
        return score_period_recompute(period_id=period_id)


@shared_task
def recompute_open_scores() -> int:
    """Beat, nightly: the figures behind a running score period change every day, so its
    ranks are recomputed once a night even when nobody asks. Periods over for two
    months or more are left to the office's 重新计算 and to finalizing."""
    from campaign.scores.models import ScorePeriod
    from campaign.scores.services import periods_request_recompute

    today = timezone.localdate()
    with unscoped("recompute_open_scores"):
        periods = ScorePeriod.objects.filter(
            finalized_at__isnull=True,
            first_month__lte=today,
            last_month__gte=(today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1),
        )
        return len(periods_request_recompute(periods))


@shared_task(acks_late=True)
def recompute_campaign_scores(campaign_id: int) -> int:
    """Something the scores read outside this room changed (an incident in the register):
    every open period of the campaign is computed again."""
    from campaign.scores.models import ScorePeriod
    from campaign.scores.services import periods_request_recompute

    with unscoped("recompute_campaign_scores"):
        return len(periods_request_recompute(ScorePeriod.objects.filter(campaign_id=campaign_id)))
