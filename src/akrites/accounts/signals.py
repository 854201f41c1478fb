"""Sign-in events go to the audit log, in their own small transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver

from akrites.accounts.auth import actor_for_user
from akrites.audit.services import audit_record
from akrites.domain.audit import AuditAction


def _client_ip(request: Any) -> str:
    return str(getattr(request, "META", {}).get("REMOTE_ADDR", "")) if request else ""


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor_for_user(user, mfa_verified=False),
            action=AuditAction.USER_LOGGED_IN,
            target_type="user",
            target_id=user.pk,
            data={"ip": _client_ip(request)},
        )


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    with transaction.atomic():
        audit_record(
            actor=actor_for_user(user, mfa_verified=False),
            action=AuditAction.USER_LOGGED_OUT,
            target_type="user",
            target_id=user.pk,
            data={},
        )


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    email = str(credentials.get("username") or "")[:254].lower()
    with transaction.atomic():
        audit_record(
            actor=None,
            action=AuditAction.USER_LOGIN_FAILED,
            target_type="user",
            target_id=email,
            data={"email": email, "ip": _client_ip(request)},
        )
