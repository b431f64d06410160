from django.apps import AppConfig


class SearchConfig(AppConfig):
    """The search index: its tables are made by raw-SQL migrations, one set per engine."""

    name = "libcity.search"
    label = "search"
    default_auto_field = "django.db.models.BigAutoField"
