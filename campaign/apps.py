from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The rooms that define Celery tasks. Services ask for a task by its name, so every
# process (web, worker, beat, tests) registers them all when Django starts, not only
# those whose module happened to be imported.
ROOMS_WITH_TASKS = ["circulars", "dashboard", "dossier", "home", "infra", "nominations.votes", "reminders", "scores"]


class CampaignConfig(AppConfig):
    name = "campaign"
    verbose_name = _("创先争优活动")

    def ready(self) -> None:
        for room in ROOMS_WITH_TASKS:
            import_module(f"campaign.{room}.tasks")
