"""A person's choice of how notices reach them: content-free (the default), or with the
content encrypted to their own OpenPGP public key."""

from __future__ import annotations

from django.db import transaction

from akrites.accounts.models import User
from akrites.audit.services import audit_record
from akrites.crypto.openpgp import encrypt_to, parse_public_key
from akrites.domain.audit import AuditAction
from akrites.domain.errors import Forbidden, InvalidInput
from akrites.domain.policy import Actor


def notice_key_set(*, actor: Actor, user: User, openpgp_key: str, encrypted: bool) -> User:
    """Store (or, with an empty key, remove) the user's OpenPGP public key and their opt-in.
    The key must be valid now and able to encrypt; the opt-in needs a key."""
    if not actor.is_system and actor.user_id != user.pk:
        raise Forbidden("you can only change your own OpenPGP key")
    armored, fingerprint = "", ""
    if openpgp_key.strip():
        info = parse_public_key(openpgp_key)
        # A signing-only key parses but cannot receive anything: say so now, not at send time.
        encrypt_to(info.armored, b"akrites key check")
        armored, fingerprint = info.armored, info.fingerprint
    elif encrypted:
        raise InvalidInput(
            "add your OpenPGP public key to receive the content encrypted", field="openpgp_key"
        )
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(
            openpgp_key=armored, openpgp_fingerprint=fingerprint, notices_encrypted=encrypted
        )
        user.openpgp_key, user.openpgp_fingerprint = armored, fingerprint
        user.notices_encrypted = encrypted
        audit_record(
            actor=actor,
            action=AuditAction.USER_OPENPGP_KEY_SET,
            target_type="user",
            target_id=user.pk,
            data={"openpgp_fingerprint": fingerprint, "notices_encrypted": encrypted},
        )
    return user
