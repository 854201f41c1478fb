from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "akrites.web"
    label = "web"
    verbose_name = "Web interface"

    def ready(self) -> None:
        from akrites.web import checks  # noqa: F401  (registers the system checks)
