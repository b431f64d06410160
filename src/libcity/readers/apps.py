from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReadersConfig(AppConfig):
    name = "libcity.readers"
    label = "readers"
    verbose_name = _("Readers")
    default_auto_field = "django.db.models.BigAutoField"
