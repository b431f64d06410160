from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Sip2Config(AppConfig):
    name = "libcity.sip2"
    label = "sip2"
    verbose_name = _("SIP2 server")
    default_auto_field = "django.db.models.BigAutoField"
