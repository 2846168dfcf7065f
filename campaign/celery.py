import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campaign.settings")

app = Celery("campaign")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each app's tasks module; campaign's rooms register theirs in CampaignConfig.ready().
app.autodiscover_tasks()


@worker_process_init.connect
def _load_document_fonts(**kwargs) -> None:
    """Each worker process loads the CJK fonts and the document stylesheet once, when it
    starts, so no circular's render pays for them (campaign.infra.documents)."""
    from campaign.infra.documents import warm_up

    warm_up()
