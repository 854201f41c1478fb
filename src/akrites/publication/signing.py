"""The instance's OpenPGP signing key (Sequoia, through pysequoia): created at set-up,
rotatable, its secret half wrapped by the master key like every other platform key.
Public documents (CSAF above all) carry detached ASCII-armoured signatures made with it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pysequoia
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from akrites.audit.services import audit_record
from akrites.cases.models import WrappedKey
from akrites.crypto.sealing import master_for, master_key
from akrites.domain.audit import AuditAction
from akrites.domain.policy import SYSTEM, Actor
from akrites.publication.models import SigningKey

_cache: dict[str, pysequoia.Tsk] = {}


@dataclass(frozen=True, slots=True)
class Signature:
    armored: str
    fingerprint: str


def _label(fingerprint: str) -> str:
    return f"signing:{fingerprint}"


def _user_id() -> str:
    host = settings.AKRITES.base_url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return f"Akrites advisories <security@{host or 'localhost'}>"


def _store(tsk: pysequoia.Tsk) -> SigningKey:
    cert = tsk.extract_certificate()
    fingerprint = cert.fingerprint.upper()
    master = master_key()
    WrappedKey.objects.create(
        name=_label(fingerprint),
        master_key_id=master.key_id,
        wrapped=master.wrap(bytes(tsk), label=_label(fingerprint)),
    )
    return SigningKey.objects.create(fingerprint=fingerprint, public_armored=str(cert))


def current_signing_key() -> SigningKey:
    """The active key, created on first use (``akrites serve`` calls this at start)."""
    key = SigningKey.objects.filter(retired_at__isnull=True).first()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            if not SigningKey.objects.filter(retired_at__isnull=True).exists():
                return _store(pysequoia.Tsk.generate(_user_id()))
    except IntegrityError:
        pass  # created concurrently
    return SigningKey.objects.filter(retired_at__isnull=True).get()


def signing_key_rotate(*, actor: Actor = SYSTEM) -> SigningKey:
    """A new key signs from now on; the old one is retired but stays published (with its
    retirement date) so that earlier signatures still verify. Audited in the same transaction."""
    with transaction.atomic():
        active = SigningKey.objects.select_for_update().filter(retired_at__isnull=True)
        retired = sorted(active.values_list("fingerprint", flat=True))
        active.update(retired_at=timezone.now())
        key = _store(pysequoia.Tsk.generate(_user_id()))
        audit_record(
            actor=actor,
            action=AuditAction.SIGNING_KEY_ROTATED,
            target_type="signing-key",
            target_id=key.fingerprint,
            data={"retired": retired},
        )
        return key


def _secret(key: SigningKey) -> pysequoia.Tsk:
    cached = _cache.get(key.fingerprint)
    if cached is not None:
        return cached
    row = WrappedKey.objects.get(name=_label(key.fingerprint))
    data = master_for(row.master_key_id).unwrap(bytes(row.wrapped), label=row.name)
    tsk = pysequoia.Tsk.from_bytes(data)
    _cache[key.fingerprint] = tsk
    return tsk


def signer() -> Callable[[bytes], Signature]:
    """Detached signatures with the current key, looked up once (for one release)."""
    key = current_signing_key()
    secret = _secret(key)

    def sign(data: bytes) -> Signature:
        armored = pysequoia.sign(secret.signer(), data, mode=pysequoia.SignatureMode.DETACHED)
        text = armored.decode("ascii") if isinstance(armored, bytes) else str(armored)
        return Signature(armored=text, fingerprint=key.fingerprint)

    return sign


def sign_detached(data: bytes) -> Signature:
    return signer()(data)


def public_keys() -> list[SigningKey]:
    return list(SigningKey.objects.order_by("-created_at"))
