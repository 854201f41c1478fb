"""OSV package names -> Package URLs.

OSV names a package by ecosystem and a name in that ecosystem's own spelling (``@babel/core``,
``org.apache.logging.log4j:log4j-core``, ``github.com/gin-gonic/gin``); purl splits the same
name into namespace and name by per-type rules. The splits below follow the purl-spec type
definitions; ``Purl`` then validates and normalises the parts.
"""

from __future__ import annotations

from typing import Final

from akrites.domain.purl import ECOSYSTEM_PURL_TYPES, Ecosystem, Purl, PurlError

# Ecosystems whose names carry the namespace before the last "/" (Go module paths, Swift URLs).
_LAST_SLASH: Final = frozenset({Ecosystem.GO, Ecosystem.SWIFT_URL})
# Ecosystems whose names are "<namespace>/<name>" with the namespace first.
_FIRST_SLASH: Final = frozenset({Ecosystem.PACKAGIST, Ecosystem.GITHUB_ACTIONS})


def purl_for_osv_package(ecosystem: Ecosystem, name: str) -> Purl:
    """The package URL (without version) for ``name`` in ``ecosystem``; PurlError if none."""
    purl_type, vendor = ECOSYSTEM_PURL_TYPES[ecosystem]
    namespace, short_name = _split(ecosystem, name.strip())
    if vendor is not None:
        namespace = vendor
    return Purl(type=purl_type, namespace=namespace, name=short_name)


def _split(ecosystem: Ecosystem, name: str) -> tuple[str | None, str]:
    if ecosystem is Ecosystem.MAVEN:
        group, colon, artifact = name.partition(":")
        if not colon or ":" in artifact:
            raise PurlError("purl.name", f"{name!r} is not a Maven groupId:artifactId")
        return group, artifact
    if ecosystem is Ecosystem.NPM and name.startswith("@"):
        scope, slash, rest = name.partition("/")
        if not slash:
            raise PurlError("purl.name", f"{name!r} is a scope without a package name")
        return scope, rest
    if ecosystem in _LAST_SLASH and "/" in name:
        namespace, _, rest = name.rpartition("/")
        return namespace, rest
    if ecosystem in _FIRST_SLASH:
        owner, slash, rest = name.partition("/")
        if not slash:
            raise PurlError("purl.name", f"{name!r} is not <owner>/<name>")
        # A GitHub Action may live in a folder of its repository; the package is the repository.
        return owner, rest.split("/", 1)[0]
    if ecosystem is Ecosystem.VSCODE:
        publisher, dot, extension = name.partition(".")
        if not dot:
            raise PurlError("purl.name", f"{name!r} is not <publisher>.<extension>")
        return publisher, extension
    return None, name
