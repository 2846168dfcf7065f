import datetime

from celery import shared_task
from django.db import connection
from django.utils import timezone

from campaign.figures import figures_refresh
from campaign.models import Campaign
from orgs.models import Organization
from orgs.scoping import unscoped


@shared_task
def health_probe() -> dict:
    """Proves a worker is up and reaches the database; /health/?worker=1 waits for it."""
    with unscoped("health_probe"):
        organizations = Organization.objects.count()
    return {"database": connection.vendor, "organizations": organizations}


@shared_task
def refresh_figures(campaign_id: int, month: str) -> int:
    """Recompute one month of a campaign's figures (campaign.figures); ``month`` is ISO."""
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


@shared_task
def refresh_reminders() -> dict:
    """Beat, daily: put what is due on each responsible user's home page (campaign.reminders)."""
    from campaign.reminders import reminders_refresh

    with unscoped("refresh_reminders"):
        result = reminders_refresh(today=timezone.localdate())
    return {str(kind): vars(sync) for kind, sync in result.items()}


@shared_task
def close_due_votes() -> int:
    """Beat: close and count the public votes whose closing time has passed."""
    from campaign.votes import votes_close_due

    with unscoped("close_due_votes"):
        return votes_close_due()


@shared_task(acks_late=True)
def recompute_scores(period_id: int) -> int:
    """Recompute a score period's scores when asked for, and freeze them when the office
    finalized it (campaign.scoring). Idempotent: runs queued twice do the work once."""
    from campaign.scoring import score_period_recompute

    with unscoped("recompute_scores"):
        return score_period_recompute(period_id=period_id)


@shared_task
def recompute_open_scores() -> int:
    """Beat, nightly: the figures behind a running score period change every day, so its
    ranks are recomputed once a night even when nobody asks. Periods over for two
    months or more are left to the office's 重新计算 and to finalizing."""
    from campaign.models import ScorePeriod
    from campaign.scoring import periods_request_recompute

    today = timezone.localdate()
    with unscoped("recompute_open_scores"):
        periods = ScorePeriod.objects.filter(
            finalized_at__isnull=True,
            first_month__lte=today,
            last_month__gte=(today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1),
        )
        return len(periods_request_recompute(periods))


@shared_task
def send_outbox() -> int:
    """Beat: hand the broker the tasks asked for while it was down (campaign.outbox)."""
    from campaign.outbox import outbox_send_waiting

    return outbox_send_waiting()


@shared_task
def resume_stalled_circulars() -> int:
    """Beat: renders left by a dead worker or a lost queue message are queued again."""
    from campaign.circulars import circulars_resume_stalled

    with unscoped("resume_stalled_circulars"):
        return len(circulars_resume_stalled())


# A render that fails is tried this many more times, after 10 s, 20 s, 40 s …
CIRCULAR_RENDER_RETRIES = 3
CIRCULAR_RETRY_SECONDS = 10


@shared_task(bind=True, acks_late=True, max_retries=CIRCULAR_RENDER_RETRIES)
def render_circular(self, circular_id: int) -> str:
    """Render an issued circular's PDF (campaign.circulars.circular_render), on the
    "documents" queue so long documents never hold up the other tasks. Claims its work,
    so a duplicate delivery does nothing; never renders an issued circular again."""
    from campaign.circulars import circular_render, circular_render_failed

    with unscoped("render_circular"):
        try:
            return circular_render(circular_id=circular_id)
        except Exception as error:
            left = self.max_retries - self.request.retries
            circular_render_failed(circular_id=circular_id, error=error, attempts_left=left)
            if left <= 0:
                return "failed"
            if self.request.is_eager:
                # Without a broker the retry runs here and now: Celery's apply() runs the
                # Retry returned to it (raised, it would propagate to the page instead).
                return self.retry(exc=error, countdown=0, throw=False)
            raise self.retry(exc=error, countdown=CIRCULAR_RETRY_SECONDS * 2**self.request.retries) from error
