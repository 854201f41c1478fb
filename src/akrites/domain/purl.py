"""Package URLs: the one place that parses, validates and normalises them and maps them to OSV.

A purl is how Akrites names a component (``Purl.package`` is the registry key), so two spellings
of one package must give the same canonical string, and nothing may change silently: input that
cannot be read without guessing is rejected with the component at fault.

Parsing follows ECMA-427 ("How to parse"/"How to build") and the purl-spec type definitions (see
``purl_types.py``). Where the standard's recommended test vectors normalise instead of rejecting
(upper-case type or qualifier keys, extra slashes, unencoded '@', '+' or '/'), so do we. The
official vectors in ``tests/data/purl`` are the executable specification of this module.

The string is split here rather than by packageurl-python 0.17: its parser changes identity without
a word (drops tabs and newlines, keeps the last of duplicate qualifiers, turns ``a%2Fb`` into two
namespace segments, replaces invalid UTF-8), which a registry key cannot afford.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final
from urllib.parse import quote, unquote_to_bytes

from akrites.domain.purl_types import (
    PurlError,
    TypeRules,
    expected_shape,
    normalise_components,
    rules_for,
)

__all__ = [
    "ECOSYSTEM_PURL_TYPES",
    "Ecosystem",
    "Purl",
    "PurlError",
    "ecosystem_for_purl",
    "normalize_purl",
    "parse_ecosystem",
    "parse_purl",
    "purl_type_for_ecosystem",
]

SCHEME: Final = "pkg"
_EXAMPLE: Final = "pkg:pypi/django@5.1"
_BAD_PERCENT: Final = re.compile(r"%(?![0-9A-Fa-f]{2})")
# Control, format (e.g. bidi overrides) and surrogate code points have no place in typed input.
_UNREADABLE_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Purl:
    """A package URL, always in canonical form.

    Constructing one normalises and validates the components (decoded, not percent-encoded) by
    the same rules as ``parse_purl``, so ``Purl(type="PyPI", name="Django_Rest")`` equals
    ``parse_purl("pkg:pypi/django-rest")``; invalid components raise PurlError.
    ``namespace`` keeps its segments joined by '/'; ``qualifiers`` are (key, value) pairs sorted
    by key.
    """

    type: str
    namespace: str | None = None
    name: str
    version: str | None = None
    qualifiers: tuple[tuple[str, str], ...] = ()
    subpath: str | None = None

    def __post_init__(self) -> None:
        canonical = normalise_components(
            type_=self.type,
            namespace=self.namespace,
            name=self.name,
            version=self.version,
            qualifiers=self.qualifiers,
            subpath=self.subpath,
        )
        for attribute, value in canonical._asdict().items():
            object.__setattr__(self, attribute, value)

    @property
    def package(self) -> str:
        """The canonical purl without version, qualifiers or subpath: the component's key."""
        prefix = f"{SCHEME}:{self.type}/"
        if self.namespace is not None:
            prefix += _encode_segments(self.namespace) + "/"
        # A git name is a repository path on the host: its slashes are separators.
        name = _encode_segments(self.name) if self.type == "git" else _encode(self.name)
        return prefix + name

    def to_string(self) -> str:
        """The canonical purl string (ECMA-427 "How to build")."""
        text = self.package
        if self.version is not None:
            text += "@" + _encode(self.version)
        if self.qualifiers:
            text += "?" + "&".join(f"{key}={_encode(value)}" for key, value in self.qualifiers)
        if self.subpath is not None:
            text += "#" + _encode_segments(self.subpath)
        return text

    def __str__(self) -> str:
        return self.to_string()


def parse_purl(text: str) -> Purl:
    """Parse ``text`` into a canonical Purl, or raise PurlError naming the component at fault."""
    if not isinstance(text, str):
        raise PurlError("purl", f"must be text, not {type(text).__name__}")
    if not text:
        raise PurlError("purl", f"is empty; expected a package URL such as {_EXAMPLE}")
    _reject_unreadable_characters(text)
    # ECMA-427 "How to parse": subpath and qualifiers are split off from the right first.
    rest, raw_subpath = _split_right(text, "#")
    rest, raw_qualifiers = _split_right(rest, "?")
    scheme, colon, rest = rest.partition(":")
    if not colon or scheme.lower() != SCHEME:
        raise PurlError("purl", f"must start with the scheme 'pkg:', as in {_EXAMPLE}")
    raw_type, _, rest = rest.lstrip("/").partition("/")
    rules = rules_for(raw_type)
    namespace, name, version = _split_path(rest, rules)
    return Purl(
        type=rules.type,
        namespace=namespace,
        name=name,
        version=version,
        qualifiers=_split_qualifiers(raw_qualifiers),
        subpath=_split_subpath(raw_subpath),
    )


def normalize_purl(text: str) -> str:
    """The canonical spelling of ``text``; raises PurlError if it is not a valid purl."""
    return parse_purl(text).to_string()


# --- splitting the string ------------------------------------------------------------------


def _reject_unreadable_characters(text: str) -> None:
    for position, char in enumerate(text, start=1):
        if char == " ":
            raise PurlError("purl", f"contains a space at position {position}; write it as %20")
        if char.isspace() or unicodedata.category(char) in _UNREADABLE_CATEGORIES:
            raise PurlError(
                "purl",
                f"contains the invisible character U+{ord(char):04X} at position {position}; "
                "remove it, or percent-encode it if it really belongs there",
            )


def _split_right(text: str, separator: str) -> tuple[str, str]:
    left, found, right = text.rpartition(separator)
    return (left, right) if found else (text, "")


def _split_path(rest: str, rules: TypeRules) -> tuple[str | None, str, str | None]:
    path, at, raw_version = rest.rpartition("@")
    if not at or "/" in raw_version:
        # No '@', or the last one is inside the namespace (an unencoded npm scope): no version.
        path, raw_version = rest, ""
    elif not path.strip("/") or path.endswith("/"):
        raise PurlError(
            "purl.name", f"is empty (nothing between '/' and '@'); {expected_shape(rules)}"
        )
    segments = [segment for segment in path.split("/") if segment]
    if not segments:
        raise PurlError("purl.name", f"is missing; {expected_shape(rules)}")
    namespace = []
    for raw in segments[:-1]:
        segment = _decode(raw, "purl.namespace")
        if "/" in segment:
            raise PurlError(
                "purl.namespace",
                f"segment {raw!r} decodes to text with a '/', which a segment cannot contain",
            )
        namespace.append(segment)
    return (
        "/".join(namespace) or None,
        _decode(segments[-1], "purl.name"),
        _decode(raw_version, "purl.version") or None,
    )


def _split_qualifiers(raw: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for pair in raw.split("&"):
        if not pair:
            continue
        key, equals, value = pair.partition("=")
        if not equals:
            raise PurlError(
                "purl.qualifiers", f"{pair!r} has no '='; write qualifiers as key=value"
            )
        pairs.append((key, _decode(value, "purl.qualifiers")))
    return tuple(pairs)


def _split_subpath(raw: str) -> str | None:
    segments = []
    for raw_segment in raw.split("/"):
        segment = _decode(raw_segment, "purl.subpath")
        if "/" in segment:
            raise PurlError(
                "purl.subpath",
                f"segment {raw_segment!r} decodes to text with a '/', which a "
                "segment cannot contain",
            )
        segments.append(segment)
    return "/".join(segments) or None


def _decode(raw: str, field: str) -> str:
    if _BAD_PERCENT.search(raw):
        raise PurlError(
            field, f"{raw!r} has a '%' that is not followed by two hex digits; write '%' as %25"
        )
    try:
        return unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise PurlError(field, f"{raw!r} percent-decodes to bytes that are not UTF-8") from None


def _encode(value: str) -> str:
    # Everything but ASCII letters, digits, ".-_~" and ':' is percent-encoded (ECMA-427 5.4).
    return quote(value, safe=":")


def _encode_segments(value: str) -> str:
    return "/".join(_encode(segment) for segment in value.split("/"))


# --- OSV ecosystems ----------------------------------------------------------------------------


class Ecosystem(StrEnum):
    """OSV ecosystems (https://ossf.github.io/osv-schema/#defined-ecosystems) with a purl type."""

    ALMALINUX = "AlmaLinux"
    ALPINE = "Alpine"
    BITNAMI = "Bitnami"
    CHAINGUARD = "Chainguard"
    CONAN_CENTER = "ConanCenter"
    CRAN = "CRAN"
    CRATES_IO = "crates.io"
    DEBIAN = "Debian"
    GITHUB_ACTIONS = "GitHub Actions"
    GO = "Go"
    HACKAGE = "Hackage"
    HEX = "Hex"
    JULIA = "Julia"
    MAVEN = "Maven"
    NPM = "npm"
    NUGET = "NuGet"
    OPAM = "opam"
    OPENSUSE = "openSUSE"
    PACKAGIST = "Packagist"
    PUB = "Pub"
    PYPI = "PyPI"
    RED_HAT = "Red Hat"
    ROCKY_LINUX = "Rocky Linux"
    RUBYGEMS = "RubyGems"
    SUSE = "SUSE"
    SWIFT_URL = "SwiftURL"
    UBUNTU = "Ubuntu"
    VSCODE = "VSCode"
    WOLFI = "Wolfi"


# Ecosystem -> (purl type, the namespace that picks the ecosystem out of a shared type or None).
# The distribution vendors are the namespaces osv.dev uses in its own purls.
ECOSYSTEM_PURL_TYPES: Final[Mapping[Ecosystem, tuple[str, str | None]]] = MappingProxyType(
    {
        Ecosystem.ALMALINUX: ("rpm", "almalinux"),
        Ecosystem.ALPINE: ("apk", "alpine"),
        Ecosystem.BITNAMI: ("bitnami", None),
        Ecosystem.CHAINGUARD: ("apk", "chainguard"),
        Ecosystem.CONAN_CENTER: ("conan", None),
        Ecosystem.CRAN: ("cran", None),
        Ecosystem.CRATES_IO: ("cargo", None),
        Ecosystem.DEBIAN: ("deb", "debian"),
        Ecosystem.GITHUB_ACTIONS: ("github", None),
        Ecosystem.GO: ("golang", None),
        Ecosystem.HACKAGE: ("hackage", None),
        Ecosystem.HEX: ("hex", None),
        Ecosystem.JULIA: ("julia", None),
        Ecosystem.MAVEN: ("maven", None),
        Ecosystem.NPM: ("npm", None),
        Ecosystem.NUGET: ("nuget", None),
        Ecosystem.OPAM: ("opam", None),
        Ecosystem.OPENSUSE: ("rpm", "opensuse"),
        Ecosystem.PACKAGIST: ("composer", None),
        Ecosystem.PUB: ("pub", None),
        Ecosystem.PYPI: ("pypi", None),
        Ecosystem.RED_HAT: ("rpm", "redhat"),
        Ecosystem.ROCKY_LINUX: ("rpm", "rocky-linux"),
        Ecosystem.RUBYGEMS: ("gem", None),
        Ecosystem.SUSE: ("rpm", "suse"),
        Ecosystem.SWIFT_URL: ("swift", None),
        Ecosystem.UBUNTU: ("deb", "ubuntu"),
        Ecosystem.VSCODE: ("vscode-extension", None),
        Ecosystem.WOLFI: ("apk", "wolfi"),
    }
)
_ECOSYSTEM_BY_PURL: Final = {purl: ecosystem for ecosystem, purl in ECOSYSTEM_PURL_TYPES.items()}
_ECOSYSTEM_BY_LOWER_NAME: Final = {ecosystem.lower(): ecosystem for ecosystem in Ecosystem}


def ecosystem_for_purl(purl: Purl) -> Ecosystem:
    """The OSV ecosystem of ``purl``; PurlError if its type (or vendor) has none."""
    ecosystem = _ECOSYSTEM_BY_PURL.get((purl.type, None))
    if ecosystem is not None:
        return ecosystem
    vendors = sorted(ns for kind, ns in _ECOSYSTEM_BY_PURL if kind == purl.type and ns)
    if not vendors:
        types = sorted({kind for kind, _ in _ECOSYSTEM_BY_PURL})
        raise PurlError(
            "purl.type",
            f"pkg:{purl.type} has no OSV ecosystem; types with one: {', '.join(types)}",
        )
    ecosystem = _ECOSYSTEM_BY_PURL.get((purl.type, purl.namespace))
    if ecosystem is None:
        raise PurlError(
            "purl.namespace",
            f"pkg:{purl.type} vendor {purl.namespace!r} has no OSV ecosystem; vendors with one: "
            f"{', '.join(vendors)}",
        )
    return ecosystem


def parse_ecosystem(text: str) -> Ecosystem:
    """The Ecosystem named ``text``: an exact OSV ecosystem name, in any letter case."""
    ecosystem = _ECOSYSTEM_BY_LOWER_NAME.get(str(text).lower())
    if ecosystem is not None:
        return ecosystem
    base, colon, _ = str(text).partition(":")
    if colon and base.lower() in _ECOSYSTEM_BY_LOWER_NAME:
        raise PurlError(
            "ecosystem",
            f"{text!r} carries a release or repository suffix; give the ecosystem alone "
            f"({_ECOSYSTEM_BY_LOWER_NAME[base.lower()]})",
        )
    raise PurlError(
        "ecosystem",
        f"unknown ecosystem {text!r}: expected one of {', '.join(e.value for e in Ecosystem)}",
    )


def purl_type_for_ecosystem(ecosystem: Ecosystem | str) -> str:
    """The purl type that packages of ``ecosystem`` use, e.g. "pypi" for PyPI, "deb" for Debian.

    For distribution ecosystems the vendor namespace matters too: see ECOSYSTEM_PURL_TYPES.
    """
    return ECOSYSTEM_PURL_TYPES[parse_ecosystem(ecosystem)][0]
