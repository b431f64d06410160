from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "libcity.demo"
    label = "demo"
