from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "orgs"
    verbose_name = _("组织与党员")

    def ready(self) -> None:
        from django.core import checks

        from orgs.notifications import check_channels

        checks.register(check_channels)
