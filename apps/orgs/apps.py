from django.apps import AppConfig


class Config(AppConfig):
    verbose_name = "党组织"
    name = "apps.orgs"
    label = "orgs"
