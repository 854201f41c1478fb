"""The JSON Schema of the report format, and its errors in words a reporter can act on.

The schema file (``akrites/schemas/report-1.0.json``) is the published contract; this module
loads it once, validates documents against it and turns each jsonschema error into a
``FieldError`` naming the field (``affected[0].ranges[1].vers``) and saying what is expected.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from importlib.resources import files
from typing import Any, Final

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from akrites.domain.intake.errors import FieldError, join_path, path_of
from akrites.domain.intake.model import SCHEMA_VERSION

SCHEMA_ID: Final = "https://akrites.example/schemas/report-1.0.json"
SCHEMA_RESOURCE: Final = ("schemas", "report-1.0.json")

# What each pattern of the schema means, said the way a reporter would fix it.
_PATTERN_HINTS: Final[Mapping[str, str]] = {
    r"^\S(?:.*\S)?$": "must be one line without blanks at either end",
    r"^[^\r\n]*\S[^\r\n]*$": "must be a single line that is not blank",
    r"\S": "must not be blank",
    r"^\S+$": "must not be empty or contain blanks",
    r"^[A-Za-z][A-Za-z0-9]*-[A-Za-z0-9._:-]+$": (
        "must be an identifier such as CVE-2026-12345 or GHSA-xxxx-xxxx-xxxx"
    ),
    r"^CWE-[1-9][0-9]{0,5}$": "must be written CWE-<number>, such as CWE-79",
    r"^vers:": "must be a vers range starting with 'vers:', such as vers:pypi/>=1.0|<1.4.2",
    r"^[0-9a-fA-F]{7,64}$": "must be a git commit id of 7 to 64 hexadecimal digits",
    r"^https?://\S+$": "must be an http:// or https:// URL without blanks",
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "must be a date written YYYY-MM-DD",
}
# Fields that the schema forbids in some kinds of range (`not: {required: [name]}`).
_ONLY_IN: Final[Mapping[str, str]] = {
    "vers": "is only for ranges of type 'vers'",
    "events": "is only for ranges of type ECOSYSTEM, SEMVER or GIT",
    "repo": "is only for ranges of type GIT",
}
_JSON_TYPES: Final[Mapping[str, str]] = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "an array",
    "object": "an object",
    "null": "null",
}


@functools.cache
def report_schema() -> Mapping[str, Any]:
    """The report format's JSON Schema, as published (parsed from the packaged file)."""
    resource = files("akrites").joinpath(*SCHEMA_RESOURCE)
    schema: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    if schema.get("$id") != SCHEMA_ID:
        msg = f"the packaged report schema has $id {schema.get('$id')!r}, expected {SCHEMA_ID}"
        raise RuntimeError(msg)
    return schema


@functools.cache
def _validator() -> Draft202012Validator:
    schema = report_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@functools.cache
def _fast_validator() -> Any:
    # jsonschema-rs (Rust) answers "valid?" about 30 times faster; the pure-Python validator
    # above runs only for invalid documents, to explain every problem the same way.
    return jsonschema_rs.Draft202012Validator(dict(report_schema()), validate_formats=True)


def schema_errors(data: object) -> list[FieldError]:
    """Every way ``data`` breaks the schema, in document order (empty if it conforms)."""
    if _fast_validator().is_valid(data):
        return []
    found: list[tuple[tuple[tuple[int, int, str], ...], FieldError]] = []
    for error in _validator().iter_errors(data):
        parts = list(error.absolute_path)
        for extra, field_error in _explain(error, parts):
            found.append((_sort_key([*parts, *extra]), field_error))
    found.sort(key=lambda item: item[0])
    unique: dict[FieldError, None] = dict.fromkeys(error for _, error in found)
    return list(unique)


def _sort_key(parts: Sequence[str | int]) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, part, "") if isinstance(part, int) else (1, 0, part) for part in parts)


def _explain(
    error: ValidationError, parts: list[str | int]
) -> Iterator[tuple[list[str], FieldError]]:
    """One or more FieldErrors for one jsonschema error, with the path parts they add."""
    field = path_of(parts)
    kind = error.validator
    value: Any = error.validator_value
    instance: Any = error.instance
    if kind == "required":
        for name in value:
            if isinstance(instance, Mapping) and name not in instance:
                yield [name], FieldError(join_path(field, name), "is required")
        return
    if kind == "additionalProperties":
        yield from _unexpected(error, parts)
        return
    forbidden = value.get("required") if kind == "not" and isinstance(value, Mapping) else None
    if isinstance(forbidden, list) and len(forbidden) == 1:
        # `not: {required: [name]}`: a field that this kind of object may not have.
        name = str(forbidden[0])
        message = _ONLY_IN.get(name, "is not allowed here")
        yield [name], FieldError(join_path(field, name), message)
        return
    yield [], FieldError(field, _message(error, field))


def _unexpected(
    error: ValidationError, parts: list[str | int]
) -> Iterator[tuple[list[str], FieldError]]:
    instance: Any = error.instance
    schema: Any = error.schema
    known = sorted(schema.get("properties", {}))
    patterns = [re.compile(pattern) for pattern in schema.get("patternProperties", {})]
    at_root = not parts
    for name in instance:
        if name in known or any(pattern.search(name) for pattern in patterns):
            continue
        if at_root:
            message = (
                f"is not a field of report format {SCHEMA_VERSION}; the fields are "
                f"{', '.join(known)}, and extensions go in fields named x_<something>"
            )
        else:
            message = f"is not a field here; the fields are {', '.join(known)}"
        yield [name], FieldError(join_path(path_of(parts), str(name)), message)


def _message(error: ValidationError, field: str) -> str:
    kind = str(error.validator)
    value: Any = error.validator_value
    instance: Any = error.instance
    if kind in {"minProperties", "maxProperties"} and field.rsplit(".", 1)[-1].startswith("events"):
        return "each event must have exactly one of introduced, fixed, last_affected or limit"
    explain = _MESSAGES.get(kind)
    return explain(value, instance) if explain is not None else str(error.message)


def _type_message(value: Any, instance: Any) -> str:
    expected = value if isinstance(value, list) else [value]
    wanted = " or ".join(_JSON_TYPES.get(name, name) for name in expected)
    return f"must be {wanted}, not {_json_type(instance)}"


def _format_message(value: Any, instance: Any) -> str:
    if value == "date":
        return f"{_short(instance)} is not a calendar date written YYYY-MM-DD"
    return f"{_short(instance)} is not a valid {value}"


# jsonschema keyword -> (keyword value, instance) -> message
_MESSAGES: Final[Mapping[str, Callable[[Any, Any], str]]] = {
    "type": _type_message,
    "format": _format_message,
    "const": lambda value, instance: f"must be {json.dumps(value)}, not {_short(instance)}",
    "enum": lambda value, instance: (
        f"must be one of {', '.join(map(str, value))}; got {_short(instance)}"
    ),
    "minLength": lambda value, _: (
        "must not be empty" if value == 1 else f"must be at least {value} characters long"
    ),
    "maxLength": lambda value, instance: (
        f"is {len(instance):,} characters long; the limit is {value:,}"
    ),
    "pattern": lambda value, _: _PATTERN_HINTS.get(value, f"must match the pattern {value}"),
    "minItems": lambda value, _: (
        "must list at least one entry" if value == 1 else f"needs at least {value} entries"
    ),
    "maxItems": lambda value, instance: f"has {len(instance):,} entries; the limit is {value:,}",
    "uniqueItems": lambda _, __: "lists the same entry more than once",
    "minimum": lambda value, _: f"must be at least {value}",
    "maximum": lambda value, _: f"must be at most {value}",
    "maxProperties": lambda value, _: f"has more than {value} fields",
}


def _json_type(instance: object) -> str:
    if isinstance(instance, bool):
        return "true or false"
    names = {str: "a string", int: "an integer", float: "a number", list: "an array"}
    for kind, name in names.items():
        if isinstance(instance, kind):
            return name
    if isinstance(instance, Mapping):
        return "an object"
    return "null" if instance is None else type(instance).__name__


def _short(value: object, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"
