# Load the Celery app whenever Django starts, so tasks bind to it and
# delay_on_commit works from views and services.
from campaign.celery import app as celery_app

__all__ = ["celery_app"]
