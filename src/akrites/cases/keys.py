"""Per-case data keys: created with the case, unwrapped on use, destroyable."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from akrites.cases.models import Case, CaseKey, WrappedKey
from akrites.crypto.sealing import (
    SealingError,
    master_for,
    master_key,
    new_data_key,
    open_sealed,
    seal,
)


class KeyDestroyedError(SealingError):
    """The case's key was destroyed: its sealed content is gone for good."""


def _label(case: Case) -> str:
    # Also written by intake.services when opening cases in bulk: keep the two in step.
    return f"case:{case.number}"


def case_key_create(case: Case) -> bytes:
    master = master_key()
    data_key = new_data_key()
    CaseKey.objects.create(
        case=case, wrapped=master.wrap(data_key, label=_label(case)), master_key_id=master.key_id
    )
    return data_key


def case_data_key(case: Case) -> bytes:
    key = CaseKey.objects.filter(case=case).first()
    if key is None or key.wrapped is None:
        raise KeyDestroyedError(f"the key of case {case.number} was destroyed")
    return master_for(key.master_key_id).unwrap(bytes(key.wrapped), label=_label(case))


@dataclass(frozen=True, slots=True)
class IndexKeyring:
    """Keys for keyed hashes (lookups without plaintext). Stable across master-key rotation."""

    key: bytes

    def index_key(self, purpose: str) -> bytes:
        return hmac.new(self.key, f"akrites-index:{purpose}".encode(), hashlib.sha256).digest()


_index_cache: dict[str, IndexKeyring] = {}


def index_keyring() -> IndexKeyring:
    """The platform's index key, created (wrapped by the master key) on first use."""
    cached = _index_cache.get("index")
    if cached is not None:
        return cached
    row = WrappedKey.objects.filter(name="index").first()
    if row is None:
        master = master_key()
        try:
            with transaction.atomic():
                WrappedKey.objects.create(
                    name="index",
                    master_key_id=master.key_id,
                    wrapped=master.wrap(new_data_key(), label="index"),
                )
        except IntegrityError:
            pass  # created concurrently
        row = WrappedKey.objects.get(name="index")
    keyring = IndexKeyring(master_for(row.master_key_id).unwrap(bytes(row.wrapped), label="index"))
    _index_cache["index"] = keyring
    return keyring


@dataclass(frozen=True, slots=True)
class RotationResult:
    rewrapped: int
    already_current: int
    destroyed: int


def keys_rotate() -> RotationResult:
    """Re-wrap every case key and platform key with the current master key."""
    current = master_key()
    rewrapped = current_count = destroyed = 0
    with transaction.atomic():
        for key in CaseKey.objects.select_for_update().select_related("case"):
            if key.wrapped is None:
                destroyed += 1
                continue
            if key.master_key_id == current.key_id:
                current_count += 1
                continue
            label = _label(key.case)
            data_key = master_for(key.master_key_id).unwrap(bytes(key.wrapped), label=label)
            key.wrapped = current.wrap(data_key, label=label)
            key.master_key_id = current.key_id
            key.save(update_fields=["wrapped", "master_key_id"])
            rewrapped += 1
        for row in WrappedKey.objects.select_for_update():
            if row.master_key_id == current.key_id:
                current_count += 1
                continue
            secret = master_for(row.master_key_id).unwrap(bytes(row.wrapped), label=row.name)
            row.wrapped = current.wrap(secret, label=row.name)
            row.master_key_id = current.key_id
            row.save(update_fields=["wrapped", "master_key_id"])
            rewrapped += 1
    return RotationResult(rewrapped=rewrapped, already_current=current_count, destroyed=destroyed)


def case_key_destroy(case: Case) -> None:
    """Crypto-shred the case: drop its wrapped key and the derived search tokens."""
    from akrites.messaging.models import SearchToken

    CaseKey.objects.filter(case=case).update(wrapped=None, destroyed_at=timezone.now())
    SearchToken.objects.filter(message__thread__case=case).delete()


def seal_for_case(case: Case, data_key: bytes, field: str, plaintext: str) -> bytes:
    return seal(data_key, plaintext.encode("utf-8"), context=f"{case.number}:{field}")


def open_for_case(case: Case, data_key: bytes, field: str, sealed: bytes) -> str:
    return open_sealed(data_key, sealed, context=f"{case.number}:{field}").decode("utf-8")
