from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "akrites.registry"
    label = "registry"
    verbose_name = "Component registry"
