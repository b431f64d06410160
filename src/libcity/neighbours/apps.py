from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeighboursConfig(AppConfig):
    name = "libcity.neighbours"
    label = "neighbours"
    verbose_name = _("Neighbours' home books")
    default_auto_field = "django.db.models.BigAutoField"
