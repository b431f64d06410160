from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CirculationConfig(AppConfig):
    name = "libcity.circulation"
    label = "circulation"
    verbose_name = _("Circulation")
    default_auto_field = "django.db.models.BigAutoField"
