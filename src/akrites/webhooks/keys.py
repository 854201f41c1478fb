"""Sealing webhook secrets. They must be usable to sign, so they cannot be hashed: each is
sealed (AES-256-GCM) with the platform's webhook key, which is stored wrapped by the master
key like the index key (``cases.WrappedKey``), so ``akrites keys rotate`` re-wraps it too."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from akrites.cases.models import WrappedKey
from akrites.crypto.sealing import master_for, master_key, new_data_key, open_sealed, seal

KEY_NAME = "webhooks"  # also the wrapping label, as keys_rotate expects


def _platform_key() -> bytes:
    # Not cached: a key created in a transaction that later rolls back must not outlive it.
    row = WrappedKey.objects.filter(name=KEY_NAME).first()
    if row is None:
        master = master_key()
        try:
            with transaction.atomic():
                WrappedKey.objects.create(
                    name=KEY_NAME,
                    master_key_id=master.key_id,
                    wrapped=master.wrap(new_data_key(), label=KEY_NAME),
                )
        except IntegrityError:
            pass  # created concurrently: use theirs
        row = WrappedKey.objects.get(name=KEY_NAME)
    return master_for(row.master_key_id).unwrap(bytes(row.wrapped), label=KEY_NAME)


def _context(endpoint_id: int) -> str:
    # Bound to the endpoint: a sealed secret copied to another endpoint's row does not open.
    return f"webhook-secret:{endpoint_id}"


def seal_secret(endpoint_id: int, secret: str) -> bytes:
    return seal(_platform_key(), secret.encode("ascii"), context=_context(endpoint_id))


def open_secrets(endpoint_id: int, sealed: list[bytes]) -> list[str]:
    key = _platform_key()
    return [
        open_sealed(key, bytes(s), context=_context(endpoint_id)).decode("ascii") for s in sealed
    ]
