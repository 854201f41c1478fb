"""What the readers share: reading JSON safely, the result value, and naming fields in the
format the reporter actually sent.

Each reader translates its input into a document of our report format and validates that with
``parse_report``; errors found there name our fields (``title``), so the reader relocates them
to the field of the input they came from (``runs[0].results[3].message``) before raising.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from akrites.domain.intake.errors import ROOT, FieldError, IntakeError
from akrites.domain.intake.model import ReportDraft
from akrites.domain.intake.validate import parse_report

MAX_DOCUMENT_BYTES: Final = 64 * 1024 * 1024  # one uploaded file (a large SARIF log)
MAX_REPORT_BYTES: Final = 1024 * 1024  # one report, and so one line of a JSON Lines file


@dataclass(frozen=True, slots=True)
class Skipped:
    """Something in the input that the reader left out on purpose, and why."""

    field: str
    reason: str


@dataclass(frozen=True, slots=True)
class ReadResult:
    reports: tuple[ReportDraft, ...]
    skipped: tuple[Skipped, ...] = ()


def load_json(data: bytes | str, *, max_bytes: int = MAX_DOCUMENT_BYTES, field: str = ROOT) -> Any:
    """Parse one JSON document, refusing what would be read ambiguously.

    Refused, each with an IntakeError naming ``field``: more than ``max_bytes``, bytes that are
    not UTF-8, invalid JSON (with line and column), duplicate keys in an object (parsers
    disagree on which one wins), NaN or Infinity, and nesting too deep to read.
    """
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if size > max_bytes:
        raise IntakeError.single(field, f"is {size:,} bytes; the limit is {max_bytes:,}")
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            message = f"is not UTF-8 text (bad byte at offset {error.start})"
            raise IntakeError.single(field, message) from None
    else:
        text = data
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constants)
    except json.JSONDecodeError as error:
        message = f"is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        raise IntakeError.single(field, message) from None
    except _Refused as error:
        raise IntakeError.single(field, str(error)) from None
    except RecursionError:
        raise IntakeError.single(field, "is nested too deeply to read") from None


class _Refused(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Refused(f"has the key {key!r} twice in one object")
        result[key] = value
    return result


def _no_constants(name: str) -> float:
    raise _Refused(f"contains {name}, which JSON does not allow")


def relocate(error: IntakeError, origins: Mapping[str, str], base: str) -> IntakeError:
    """``error`` with our field paths replaced by the input's.

    ``origins`` maps a path of our format (``severity[0]``) to the input's path for it
    (``severity[2]``); the longest matching prefix wins, and what follows it is kept. A field
    with no origin is reported at ``base`` (the input record), naming our field in the message.
    """

    def rename(field_error: FieldError) -> FieldError:
        field = field_error.field
        best = max((key for key in origins if _is_prefix(key, field)), key=len, default=None)
        if best is not None:
            return replace(field_error, field=origins[best] + field[len(best) :])
        message = f"(as report field {field}) {field_error.message}"
        return replace(field_error, field=base, message=message)

    return error.rewritten(rename)


def _is_prefix(prefix: str, field: str) -> bool:
    return field == prefix or field.startswith((prefix + ".", prefix + "["))


def validate_document(
    document: Mapping[str, Any],
    *,
    problems: Problems,
    origins: Mapping[str, str],
    base: str,
    today: dt.date | None = None,
) -> ReportDraft:
    """``parse_report`` on a document a reader built, raising every problem at once.

    ``problems`` holds what the reader found in the input itself; errors from the report
    validation are added, relocated to the input, unless they concern a field already reported
    (a package dropped as unreadable must not be reported again as "missing").
    """
    try:
        draft = parse_report(document, today=today)
    except IntakeError as error:
        reported = [field_error.field for field_error in problems.errors]
        for field_error in relocate(error, origins, base).errors:
            if not any(
                _is_prefix(field, field_error.field) or _is_prefix(field_error.field, field)
                for field in reported
            ):
                problems.errors.append(field_error)
        problems.raise_if_any()
        raise  # pragma: no cover - relocated errors are never all dropped
    problems.raise_if_any()
    return draft


class Problems:
    """A list of FieldErrors being gathered while a reader walks its input."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field: str, message: str) -> None:
        self.errors.append(FieldError(field, message))

    def extend(self, error: IntakeError) -> None:
        self.errors.extend(error.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise IntakeError(self.errors)

    # Typed accessors: each returns the value, or None after recording why it is unusable.

    def obj(self, value: object, field: str, *, required: bool = True) -> Mapping[str, Any] | None:
        if value is None and not required:
            return None
        if isinstance(value, Mapping):
            return value
        self.add(field, "is required" if value is None else "must be an object")
        return None

    def array(self, value: object, field: str, *, required: bool = False) -> list[Any]:
        if value is None and not required:
            return []
        if isinstance(value, list):
            return value
        self.add(field, "is required" if value is None else "must be an array")
        return []

    def text(self, value: object, field: str, *, required: bool = False) -> str | None:
        if value is None and not required:
            return None
        if isinstance(value, str) and (value.strip() or not required):
            return value
        if value is None:
            self.add(field, "is required")
        else:
            self.add(field, "must not be blank" if isinstance(value, str) else "must be a string")
        return None


def one_line(text: str, limit: int) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis when longer."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
