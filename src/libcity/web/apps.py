from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "libcity.web"
    label = "web"
