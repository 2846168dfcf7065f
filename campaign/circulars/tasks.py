"""Tasks of 通报: rendering an issued circular's PDF, and taking over renders that stalled."""

from celery import shared_task

from orgs.scoping import unscoped


@shared_task
def resume_stalled_circulars() -> int:
    """Beat: renders left by a dead worker or a lost queue message are queued again."""
    from campaign.circulars.services import circulars_resume_stalled

    with unscoped("resume_stalled_circulars"):
        return len(circulars_resume_stalled())


# A render that fails is tried this many more times, after 10 s, 20 s, 40 s …
CIRCULAR_RENDER_RETRIES = 3
CIRCULAR_RETRY_SECONDS = 10


@shared_task(bind=True, acks_late=True, max_retries=CIRCULAR_RENDER_RETRIES)
def render_circular(self, circular_id: int) -> str:
    """Render an issued circular's PDF (campaign.circulars.services.circular_render), on the
    "documents" queue so long documents never hold up the other tasks. Claims its work,
    so a duplicate delivery does nothing; never renders an issued circular again."""
    from campaign.circulars.services import circular_render, circular_render_failed

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
