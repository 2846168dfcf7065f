"""Tasks of 案卷: building a unit's dossier, and taking over builds that stalled."""

from celery import shared_task

from orgs.scoping import unscoped

# A build that fails is tried this many more times, after 10 s, 20 s, 40 s …
DOSSIER_BUILD_RETRIES = 3
DOSSIER_RETRY_SECONDS = 10


@shared_task
def resume_stalled_dossiers() -> int:
    """Beat: builds left by a dead worker or a lost queue message are queued again."""
    from campaign.dossier.services import dossiers_resume_stalled

    with unscoped("resume_stalled_dossiers"):
        return len(dossiers_resume_stalled())


@shared_task(bind=True, acks_late=True, max_retries=DOSSIER_BUILD_RETRIES)
def build_dossier(self, build_id: int) -> str:
    """Build a dossier (campaign.dossier.services.dossier_build) on the "documents" queue,
    beside the circulars' renders. Claims its work, so a duplicate delivery does nothing."""
    from campaign.dossier.services import dossier_build, dossier_build_failed

    with unscoped("build_dossier"):
        try:
            return dossier_build(build_id=build_id)
        except Exception as error:
            left = self.max_retries - self.request.retries
            dossier_build_failed(build_id=build_id, error=error, attempts_left=left)
            if left <= 0:
                return "failed"
            if self.request.is_eager:
                # Without a broker the retry runs here and now (see render_circular).
                return self.retry(exc=error, countdown=0, throw=False)
            raise self.retry(exc=error, countdown=DOSSIER_RETRY_SECONDS * 2**self.request.retries) from error
