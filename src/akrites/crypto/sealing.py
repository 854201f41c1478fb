"""Encryption at rest: AES-256-GCM (``cryptography``) with envelope keys.

Each case has its own data key; data keys are stored wrapped (encrypted) by the master
key. Destroying a case's wrapped key makes everything sealed with it unreadable. Keyed
hashes (HMAC-SHA256 under a key derived from the master key) let the database enforce
uniqueness and look rows up without holding the plaintext.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
FORMAT_VERSION = b"\x01"


class SealingError(RuntimeError):
    """A sealed value could not be opened: wrong key, destroyed key, or tampering."""


@dataclass(frozen=True, slots=True)
class MasterKey:
    key: bytes

    @property
    def key_id(self) -> str:
        return hashlib.sha256(b"akrites-key-id" + self.key).hexdigest()[:16]

    def wrap(self, data_key: bytes, *, label: str) -> bytes:
        return _seal(self.key, data_key, f"wrap:{label}".encode())

    def unwrap(self, wrapped: bytes, *, label: str) -> bytes:
        return _open(self.key, wrapped, f"wrap:{label}".encode())

    def index_key(self, purpose: str) -> bytes:
        return hmac.new(self.key, f"akrites-index:{purpose}".encode(), hashlib.sha256).digest()


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return FORMAT_VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _open(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    if len(sealed) < 1 + NONCE_BYTES + 16 or sealed[:1] != FORMAT_VERSION:
        raise SealingError("not a sealed value")
    nonce = sealed[1 : 1 + NONCE_BYTES]
    try:
        return AESGCM(key).decrypt(nonce, sealed[1 + NONCE_BYTES :], aad)
    except InvalidTag:
        raise SealingError("the value cannot be opened with this key") from None


def seal(data_key: bytes, plaintext: bytes, *, context: str) -> bytes:
    """Encrypt ``plaintext``; ``context`` (e.g. "report:R-..") is bound as associated data,
    so a sealed value copied to another row does not open there."""
    return _seal(data_key, plaintext, context.encode())


def open_sealed(data_key: bytes, sealed: bytes, *, context: str) -> bytes:
    return _open(data_key, bytes(sealed), context.encode())


class IndexKeySource(Protocol):
    def index_key(self, purpose: str) -> bytes: ...


def keyed_hash(keys: IndexKeySource, purpose: str, value: str) -> str:
    """A stable, non-reversible token for ``value`` (without the key). Pass the platform's
    index keyring (``akrites.cases.keys.index_keyring()``), which survives key rotation."""
    return hmac.new(keys.index_key(purpose), value.encode("utf-8"), hashlib.sha256).hexdigest()


def parse_master_key(text: str, *, source: str) -> MasterKey:
    raw = text.strip()
    try:
        key = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except ValueError:
        raise SealingError(f"{source} is not base64") from None
    if len(key) != KEY_BYTES:
        raise SealingError(f"{source} must decode to {KEY_BYTES} bytes, not {len(key)}")
    return MasterKey(key)


def generate_master_key_text() -> str:
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode().rstrip("=")


def load_or_create_key_file(path: Path) -> MasterKey:
    """Development only: a key file in the data directory, created once (mode 0600)."""
    if not path.exists():
        # Written in full under a private name, then linked into place: a process racing
        # this one either sees no file or the whole key, never an empty one.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".master-key-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(generate_master_key_text())
                fh.flush()
                os.fsync(fh.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            Path(tmp).unlink()
    return parse_master_key(path.read_text(encoding="utf-8"), source=str(path))


@cache
def master_key() -> MasterKey:
    """The current master key: new data keys are wrapped with it."""
    from django.conf import settings

    cfg = settings.AKRITES
    if cfg.master_key:
        return parse_master_key(cfg.master_key, source="AKRITES_MASTER_KEY")
    return load_or_create_key_file(cfg.master_key_file)


@cache
def master_keyring() -> dict[str, MasterKey]:
    """Every master key that may still unwrap something: the current one and the previous
    ones (``AKRITES_MASTER_KEY_PREVIOUS``, comma-separated) until ``akrites keys rotate``
    has re-wrapped everything."""
    from django.conf import settings

    current = master_key()
    ring = {current.key_id: current}
    for position, text in enumerate(settings.AKRITES.master_key_previous):
        key = parse_master_key(text, source=f"AKRITES_MASTER_KEY_PREVIOUS[{position}]")
        ring.setdefault(key.key_id, key)
    return ring


def master_for(key_id: str) -> MasterKey:
    ring = master_keyring()
    if key_id not in ring:
        raise SealingError(
            f"no master key with id {key_id}: add the key that wrapped this data to "
            "AKRITES_MASTER_KEY_PREVIOUS"
        )
    return ring[key_id]
