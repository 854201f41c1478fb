"""Attachment checks: the declared type must be allowed and must match the bytes."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping

from akrites.domain.errors import InvalidInput


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# Declared content type -> what its bytes must look like.
ALLOWED: Mapping[str, Callable[[bytes], bool]] = {
    "text/plain": _is_text,
    "text/markdown": _is_text,
    "text/x-diff": _is_text,
    "application/json": _is_text,
    "application/pdf": lambda d: d.startswith(b"%PDF-"),
    "image/png": lambda d: d.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/jpeg": lambda d: d.startswith(b"\xff\xd8\xff"),
    "application/zip": lambda d: d.startswith((b"PK\x03\x04", b"PK\x05\x06")),
    "application/gzip": lambda d: d.startswith(b"\x1f\x8b"),
}

# Native executables are refused whatever they claim to be (scripts are text: a PoC may be one).
_EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xcf")


def safe_filename(name: str) -> str:
    """A display name without paths, control characters or surprises."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKC", base)
    base = re.sub(r"[^\w.\- ]", "_", base).strip(" .")
    return base[:200] or "attachment"


def check_attachment(*, filename: str, content_type: str, data: bytes, max_bytes: int) -> str:
    """Return the normalised content type, or raise naming what is wrong."""
    declared = content_type.split(";", maxsplit=1)[0].strip().lower()
    if not data:
        raise InvalidInput("the attachment is empty", field="file")
    if len(data) > max_bytes:
        raise InvalidInput(
            f"the attachment is {len(data)} bytes; the limit is {max_bytes}", field="file"
        )
    if data.startswith(_EXECUTABLE_MAGIC):
        raise InvalidInput("executables are not accepted as attachments", field="file")
    check = ALLOWED.get(declared)
    if check is None:
        allowed = ", ".join(sorted(ALLOWED))
        raise InvalidInput(
            f"content type '{declared or '(none)'}' is not accepted: use one of {allowed}",
            field="content_type",
        )
    if not check(data):
        raise InvalidInput(
            f"'{safe_filename(filename)}' does not contain {declared} data: "
            "the declared type does not match the content",
            field="content_type",
        )
    return declared
