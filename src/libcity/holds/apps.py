from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HoldsConfig(AppConfig):
    name = "libcity.holds"
    label = "holds"
    verbose_name = _("Holds")
    default_auto_field = "django.db.models.BigAutoField"
