from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """Hosts the interface-level management commands (serve, token)."""

    name = "libcity.config"
    label = "libcity_config"
