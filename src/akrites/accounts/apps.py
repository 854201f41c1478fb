from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "akrites.accounts"
    label = "accounts"
    verbose_name = "Accounts and organisations"

    def ready(self) -> None:
        from akrites.accounts import signals  # noqa: F401  (connects the receivers)
