from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "akrites.messaging"
    label = "messaging"
    verbose_name = "Case messages"
