"""Per-case data keys: created with the case, unwrapped on use, destroyable."""

from __future__ import annotations

from django.utils import timezone

from akrites.cases.models import Case, CaseKey
from akrites.crypto.sealing import SealingError, master_key, new_data_key, open_sealed, seal


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
    return master_key().unwrap(bytes(key.wrapped), label=_label(case))


def case_key_destroy(case: Case) -> None:
    CaseKey.objects.filter(case=case).update(wrapped=None, destroyed_at=timezone.now())


def seal_for_case(case: Case, data_key: bytes, field: str, plaintext: str) -> bytes:
    return seal(data_key, plaintext.encode("utf-8"), context=f"{case.number}:{field}")


def open_for_case(case: Case, data_key: bytes, field: str, sealed: bytes) -> str:
    return open_sealed(data_key, sealed, context=f"{case.number}:{field}").decode("utf-8")
