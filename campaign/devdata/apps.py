from django.apps import AppConfig


class DevdataConfig(AppConfig):
    name = "campaign.devdata"
    label = "devdata"
    verbose_name = "Development data"
