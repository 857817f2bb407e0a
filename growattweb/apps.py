from django.apps import AppConfig


class GrowattwebConfig(AppConfig):
    name = "growattweb"

    def ready(self):
        from growattweb import checks  # noqa: F401 - registers the system checks
