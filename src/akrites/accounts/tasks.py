"""Account e-mails, sent by the worker."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

from akrites.accounts.models import User


@task()
def send_set_password_link(user_id: int) -> None:
    """Invite a new member to choose a password. Holds nothing but the one-time link."""
    user = User.objects.filter(pk=user_id, is_active=True).select_related("organisation").first()
    if user is None:
        return
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = f"{settings.AKRITES.base_url}/account/set-password/{uid}/{token}/"
    send_mail(
        subject="Your Akrites account",
        message=(
            f"An administrator of {user.organisation.name} added you to Akrites.\n\n"
            f"Choose your password here (the link works once):\n{link}\n"
        ),
        from_email=None,
        recipient_list=[user.email],
    )
