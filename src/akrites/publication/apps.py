from django.apps import AppConfig


class PublicationConfig(AppConfig):
    name = "akrites.publication"
    label = "publication"
    default_auto_field = "django.db.models.BigAutoField"
