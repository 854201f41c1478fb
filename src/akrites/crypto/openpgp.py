"""OpenPGP public keys, through Sequoia (pysequoia). No home-made OpenPGP parsing."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import UTC, datetime

import pysequoia

from akrites.domain.errors import InvalidInput

MAX_KEY_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class PublicKeyInfo:
    fingerprint: str  # upper-case hex, no spaces
    user_ids: tuple[str, ...]
    expires_at: datetime | None
    armored: str


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def parse_public_key(text: str, *, field: str = "openpgp_key") -> PublicKeyInfo:
    """Validate an uploaded OpenPGP public key (certificate) or say exactly what is wrong."""
    raw = text.strip().encode("utf-8")
    if not raw:
        raise InvalidInput("the OpenPGP key is empty", field=field)
    if len(raw) > MAX_KEY_BYTES:
        raise InvalidInput(
            f"the OpenPGP key is larger than {MAX_KEY_BYTES // 1024} KiB", field=field
        )
    if b"PRIVATE KEY BLOCK" in raw:
        raise InvalidInput(
            "this is a private key: upload the public key only, and consider "
            "the private key compromised",
            field=field,
        )
    try:
        cert = pysequoia.Cert.from_bytes(raw)
    except Exception as exc:  # noqa: BLE001  (Sequoia raises plain RuntimeError/ValueError)
        raise InvalidInput(
            f"not a valid OpenPGP public key: {_first_line(exc)}", field=field
        ) from None
    with warnings.catch_warnings():
        # pysequoia deprecates secret material in a Cert (use Tsk), which is exactly what
        # this check refuses; the property is still how to tell.
        warnings.simplefilter("ignore", DeprecationWarning)
        has_secrets = cert.has_secret_keys
    if has_secrets:
        raise InvalidInput(
            "this key contains secret key material: upload the public key only", field=field
        )
    if cert.is_revoked:
        raise InvalidInput("this OpenPGP key is revoked", field=field)
    expires = cert.expiration
    if expires is not None and expires <= datetime.now(UTC):
        raise InvalidInput(f"this OpenPGP key expired on {expires:%Y-%m-%d}", field=field)
    return PublicKeyInfo(
        fingerprint=cert.fingerprint.upper(),
        user_ids=tuple(str(u) for u in cert.user_ids),
        expires_at=expires,
        armored=str(cert),
    )


class OpenPGPEncryptionError(InvalidInput):
    """Nothing could be encrypted to this key (expired, revoked, or no encryption subkey)."""

    code = "openpgp_key_cannot_encrypt"


def encrypt_to(armored_key: str, plaintext: bytes, *, field: str = "openpgp_key") -> str:
    """An ASCII-armoured OpenPGP message that only the holder of the key's secret part can
    read. Sequoia picks the key's valid encryption subkeys and a modern cipher."""
    try:
        cert = pysequoia.Cert.from_bytes(armored_key.strip().encode("utf-8"))
        armored = pysequoia.encrypt(plaintext, recipients=[cert])
    except Exception as exc:  # noqa: BLE001  (Sequoia raises plain RuntimeError/ValueError)
        raise OpenPGPEncryptionError(
            f"cannot encrypt to this OpenPGP key: {_first_line(exc)}", field=field
        ) from None
    return armored.decode("ascii")
