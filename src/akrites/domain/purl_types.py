"""The registered PURL types and the rules they impose on purl components.

The rules are read once from the purl-spec type definitions in ``akrites/data/purl-types``
(unmodified copies, see the NOTICE there): which components are required or prohibited, which are
case-insensitive, their permitted characters and the required qualifiers. The few rules that the
definitions state only in prose are written out below, next to the code that applies them.
``purl.py`` is the public face; import from there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib.resources import files
from types import MappingProxyType
from typing import Any, Final, NamedTuple
from urllib.parse import urlsplit

from akrites.domain.errors import InvalidInput

DEFINITIONS_PACKAGE: Final = "akrites"
DEFINITIONS_FOLDER: Final = ("data", "purl-types")
_EXAMPLE: Final = "pkg:pypi/django@5.1"
_TYPE_SHAPE: Final = re.compile(r"[A-Za-z][A-Za-z0-9.-]*\Z")
_KEY_SHAPE: Final = re.compile(r"[a-z][a-z0-9._-]*\Z")
_PUB_NOT_ALLOWED: Final = re.compile(r"[^a-z0-9_]")


class PurlError(InvalidInput, ValueError):
    """A purl, or an ecosystem name, was rejected.

    ``field`` names the part at fault: "purl", "purl.type", "purl.namespace", "purl.name",
    "purl.version", "purl.qualifiers", "purl.subpath" or "ecosystem". ``message`` says what is
    wrong and what is expected, in words fit to show the person who typed it.
    """

    field: str

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"

    def __reduce__(self) -> tuple[type[PurlError], tuple[str, str]]:
        return (type(self), (self.field, self.message))


class Requirement(StrEnum):
    REQUIRED = "required"
    OPTIONAL = "optional"
    PROHIBITED = "prohibited"


@dataclass(frozen=True, slots=True)
class ComponentRule:
    requirement: Requirement
    case_sensitive: bool
    permitted: re.Pattern[str] | None
    permitted_source: str | None  # the definition's own spelling, for error messages

    def permits(self, value: str) -> bool:
        return self.permitted is None or self.permitted.search(value) is not None


@dataclass(frozen=True, slots=True)
class TypeRules:
    type: str
    namespace: ComponentRule
    name: ComponentRule
    version: ComponentRule
    subpath: ComponentRule
    required_qualifiers: frozenset[str]
    examples: tuple[str, ...]


def _pattern(source: str | None) -> re.Pattern[str] | None:
    if source is None:
        return None
    # The definitions use ECMA-262 regexes. The ones in use are also valid Python; only a final
    # "$" differs (Python's also matches before a trailing newline), so pin it to the very end.
    if source.endswith("$") and not source.endswith("\\$"):
        source = source[:-1] + r"\Z"
    return re.compile(source, re.ASCII)


def _component(definition: Mapping[str, Any] | None, default: Requirement) -> ComponentRule:
    definition = definition or {}
    return ComponentRule(
        requirement=Requirement(definition.get("requirement", default)),
        # The schema's default for case_sensitive is true.
        case_sensitive=bool(definition.get("case_sensitive", True)),
        permitted=_pattern(definition.get("permitted_characters")),
        permitted_source=definition.get("permitted_characters"),
    )


def rules_from_definition(definition: Mapping[str, Any]) -> TypeRules:
    qualifiers = definition.get("qualifiers_definition") or []
    return TypeRules(
        type=str(definition["type"]),
        namespace=_component(definition.get("namespace_definition"), Requirement.OPTIONAL),
        name=_component(definition.get("name_definition"), Requirement.REQUIRED),
        version=_component(definition.get("version_definition"), Requirement.OPTIONAL),
        subpath=_component(definition.get("subpath_definition"), Requirement.OPTIONAL),
        required_qualifiers=frozenset(
            str(q["key"]) for q in qualifiers if q.get("requirement") == Requirement.REQUIRED
        ),
        examples=tuple(str(example) for example in definition.get("examples", ())),
    )


def _load() -> Mapping[str, TypeRules]:
    folder = files(DEFINITIONS_PACKAGE).joinpath(*DEFINITIONS_FOLDER)
    rules: dict[str, TypeRules] = {}
    for entry in folder.iterdir():
        if entry.name.endswith("-definition.json"):
            type_rules = rules_from_definition(json.loads(entry.read_text(encoding="utf-8")))
            rules[type_rules.type] = type_rules
    if not rules:
        where = "/".join((DEFINITIONS_PACKAGE, *DEFINITIONS_FOLDER))
        msg = f"no PURL type definitions found in {where}"
        raise RuntimeError(msg)
    return MappingProxyType(dict(sorted(rules.items())))


PURL_TYPES: Final[Mapping[str, TypeRules]] = _load()


class Components(NamedTuple):
    type: str
    namespace: str | None
    name: str
    version: str | None
    qualifiers: tuple[tuple[str, str], ...]
    subpath: str | None


def normalise_components(
    *,
    type_: object,
    namespace: object,
    name: object,
    version: object,
    qualifiers: object,
    subpath: object,
) -> Components:
    """Validate decoded purl components and bring them to canonical form; PurlError if invalid."""
    rules = rules_for(type_)
    canonical_qualifiers = _normalise_qualifiers(qualifiers, rules)
    if rules.type == "git":
        namespace, name = _git_split(namespace, name)
    return Components(
        type=rules.type,
        namespace=_normalise_namespace(namespace, rules),
        name=_normalise_name(name, rules, dict(canonical_qualifiers)),
        version=_normalise_version(version, rules),
        qualifiers=canonical_qualifiers,
        subpath=_normalise_subpath(subpath, rules),
    )


def expected_shape(rules: TypeRules) -> str:
    if rules.examples:
        return f"expected a purl such as {rules.examples[0]}"
    return f"expected pkg:{rules.type}/<name>"


# --- applying the rules to components -------------------------------------------------------------


def rules_for(raw_type: object) -> TypeRules:
    if raw_type is None or raw_type == "":
        raise PurlError("purl.type", f"is missing; expected pkg:<type>/<name>, as in {_EXAMPLE}")
    if not isinstance(raw_type, str):
        raise PurlError("purl.type", "must be text")
    if "%" in raw_type:
        raise PurlError("purl.type", f"{raw_type!r} must not be percent-encoded")
    if not _TYPE_SHAPE.match(raw_type):
        raise PurlError(
            "purl.type",
            f"{raw_type!r} must start with an ASCII letter and contain only ASCII letters, "
            "digits, '.' and '-'",
        )
    rules = PURL_TYPES.get(raw_type.lower())
    if rules is None:
        raise PurlError(
            "purl.type",
            f"unknown package type {raw_type!r}: expected one of {', '.join(PURL_TYPES)}",
        )
    return rules


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise PurlError(field, f"must be text, not {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PurlError(field, "contains a lone surrogate, which is not Unicode text") from None
    return value


def _segments(value: object, field: str) -> list[str]:
    if value is None:
        return []
    return [segment for segment in _text(value, field).split("/") if segment]


def _git_split(namespace: object, name: object) -> tuple[object, object]:
    # git: the namespace is the host alone and the name is the repository path on it, so
    # pkg:git/codeberg.org/forgejo/forgejo has the name "forgejo/forgejo" (purl-spec git tests).
    segments = _segments(namespace, "purl.namespace")
    if len(segments) > 1 and isinstance(name, str):
        return segments[0], "/".join([*segments[1:], name])
    return namespace, name


def _normalise_namespace(value: object, rules: TypeRules) -> str | None:
    rule = rules.namespace
    segments = _segments(value, "purl.namespace")
    if rules.type == "cpan":
        # cpan definition: the namespace is a CPAN author id and "shall be uppercase".
        segments = [segment.upper() for segment in segments]
    elif not rule.case_sensitive:
        segments = [segment.lower() for segment in segments]
    namespace = "/".join(segments) or None
    if namespace is None and rule.requirement is Requirement.REQUIRED:
        raise PurlError(
            "purl.namespace", f"is required for pkg:{rules.type}; {expected_shape(rules)}"
        )
    if namespace is not None and rule.requirement is Requirement.PROHIBITED:
        raise PurlError(
            "purl.namespace",
            f"is not allowed for pkg:{rules.type} (got {namespace!r}); {expected_shape(rules)}",
        )
    if namespace is not None and not rule.permits(namespace):
        raise PurlError(
            "purl.namespace",
            f"{namespace!r} does not match {rule.permitted_source} as pkg:{rules.type} requires",
        )
    return namespace


def _normalise_name(value: object, rules: TypeRules, qualifiers: Mapping[str, str]) -> str:
    name = "" if value is None else _text(value, "purl.name").strip("/")
    if rules.type == "git":
        name = "/".join(segment for segment in name.split("/") if segment)
    if not name:
        raise PurlError("purl.name", f"is missing; {expected_shape(rules)}")
    if not rules.name.case_sensitive or _mlflow_ignores_case(rules, qualifiers):
        name = name.lower()
    if rules.type == "pypi":
        # pypi definition: "Replace underscore _ with dash -" (PyPI treats them as equal).
        name = name.replace("_", "-")
    elif rules.type == "pub":
        # pub definition: names are lower case and use underscores; only [a-z0-9_] exist.
        name = _PUB_NOT_ALLOWED.sub("_", name)
    elif rules.type == "cpan" and "::" in name:
        raise PurlError(
            "purl.name",
            f"{name!r} is a Perl module name; pkg:cpan names a distribution, written with '-' "
            "instead of '::' (e.g. URI-PackageURL)",
        )
    if not rules.name.permits(name):
        raise PurlError(
            "purl.name",
            f"{name!r} does not match {rules.name.permitted_source} as pkg:{rules.type} requires",
        )
    return name


def _mlflow_ignores_case(rules: TypeRules, qualifiers: Mapping[str, str]) -> bool:
    # mlflow definition: model names are case-insensitive (lower-cased) on Databricks servers
    # and case-sensitive elsewhere (e.g. Azure ML).
    if rules.type != "mlflow":
        return False
    url = qualifiers.get("repository_url", "")
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname or ""
    except ValueError:  # not a URL we can read: keep the name as given
        return False
    return "databricks" in host


def _normalise_version(value: object, rules: TypeRules) -> str | None:
    if value is None or value == "":
        return None
    version = _text(value, "purl.version")
    if not rules.version.case_sensitive:
        version = version.lower()
    if not rules.version.permits(version):
        raise PurlError(
            "purl.version",
            f"{version!r} does not match {rules.version.permitted_source} as pkg:{rules.type} "
            "requires",
        )
    return version


def _normalise_qualifiers(value: object, rules: TypeRules) -> tuple[tuple[str, str], ...]:
    pairs: Iterable[object] = ()
    if isinstance(value, Mapping):
        pairs = value.items()
    elif isinstance(value, Iterable) and not isinstance(value, str):
        pairs = value
    elif value is not None:
        raise PurlError("purl.qualifiers", "must be key/value pairs")
    seen: set[str] = set()
    kept: dict[str, str] = {}
    for pair in pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise PurlError("purl.qualifiers", "must be key/value pairs")
        key = _qualifier_key(pair[0])
        if key in seen:
            raise PurlError("purl.qualifiers", f"{key!r} appears more than once")
        seen.add(key)
        qualifier_value = "" if pair[1] is None else _text(pair[1], "purl.qualifiers")
        if qualifier_value:  # ECMA-427: an empty value is the same as no qualifier at all
            kept[key] = qualifier_value
    missing = sorted(rules.required_qualifiers - kept.keys())
    if missing:
        raise PurlError(
            "purl.qualifiers",
            f"pkg:{rules.type} needs the qualifier {', '.join(missing)}; {expected_shape(rules)}",
        )
    return tuple(sorted(kept.items()))


def _qualifier_key(value: object) -> str:
    raw = _text(value, "purl.qualifiers")
    if "%" in raw:
        raise PurlError("purl.qualifiers", f"key {raw!r} must not be percent-encoded")
    # Keys are lower case (ECMA-427 5.6.6); like the spec's recommended vectors, fold rather
    # than reject, since "Arch" can only mean "arch".
    key = raw.lower()
    if not _KEY_SHAPE.match(key):
        raise PurlError(
            "purl.qualifiers",
            f"key {raw!r} must start with a letter and contain only ASCII letters, digits, "
            "'.', '-' and '_'",
        )
    return key


def _normalise_subpath(value: object, rules: TypeRules) -> str | None:
    # ECMA-427: empty, '.' and '..' segments are discarded, never resolved.
    segments = [s for s in _segments(value, "purl.subpath") if s not in {".", ".."}]
    if not rules.subpath.case_sensitive:
        segments = [segment.lower() for segment in segments]
    return "/".join(segments) or None
