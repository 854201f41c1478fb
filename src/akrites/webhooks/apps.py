from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "akrites.webhooks"
    label = "webhooks"
    verbose_name = "Signed webhooks"
