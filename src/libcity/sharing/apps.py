from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "libcity.sharing"
    label = "sharing"
    verbose_name = _("Sharing between readers")
    default_auto_field = "django.db.models.BigAutoField"
