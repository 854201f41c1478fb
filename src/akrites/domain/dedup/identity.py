"""Package identity across ecosystems, for deduplication.

Two reports about one flaw rarely spell the package the same way: `Django` and `django`,
`zope.interface` and `zope-interface`, a Go sub-package and its module, a `/v2` module and
its `/v1`, `gopkg.in/yaml.v2` and `github.com/go-yaml/yaml`, a renamed or forked project.
This module turns each spelling into a *family key*: reports that share a family key are
about the same piece of software. Families are deliberately coarse (a Go module family
ignores major versions): package identity is one piece of evidence, not a verdict.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

# OSV ecosystem names and purl types, lower-cased, to one canonical spelling.
_ECOSYSTEM_ALIASES: dict[str, str] = {
    "pypi": "pypi",
    "python": "pypi",
    "pip": "pypi",
    "npm": "npm",
    "node": "npm",
    "go": "go",
    "golang": "go",
    "maven": "maven",
    "packagist": "packagist",
    "composer": "packagist",
    "php": "packagist",
    "rubygems": "rubygems",
    "gem": "rubygems",
    "ruby": "rubygems",
    "crates.io": "crates.io",
    "cargo": "crates.io",
    "crates": "crates.io",
    "rust": "crates.io",
    "nuget": "nuget",
    "hex": "hex",
    "pub": "pub",
    "swifturl": "swift",
    "swift": "swift",
    "github actions": "github-actions",
    "githubactions": "github-actions",
    "github-actions": "github-actions",
    "conan": "conan",
    "hackage": "hackage",
    "cran": "cran",
}

# Forges whose Go module roots are host/owner/repo.
_FORGE_HOSTS = frozenset(
    {"github.com", "gitlab.com", "bitbucket.org", "gitee.com", "codeberg.org", "git.sr.ht"}
)
# Well-known vanity import hosts: (prefix, number of path segments in a module root, forge
# owner the repository lives under). Public facts about the Go ecosystem, not tuning.
_GO_VANITY: tuple[tuple[str, int, str], ...] = (
    ("golang.org/x/", 3, "github.com/golang/"),
    ("k8s.io/", 2, "github.com/kubernetes/"),
    ("sigs.k8s.io/", 2, "github.com/kubernetes-sigs/"),
    ("go.etcd.io/", 2, "github.com/etcd-io/"),
)
_GO_MAJOR = re.compile(r"^v[2-9][0-9]*$|^v1[0-9]+$")
_GOPKG_SEGMENT = re.compile(r"^(?P<name>[^.]+)\.v[0-9]+$")
_PYPI_SEPARATORS = re.compile(r"[-_.]+")


def canonical_ecosystem(ecosystem: str) -> str:
    """`PyPI`, `pypi`, `pip` -> `pypi`; `Go`/`golang` -> `go`; unknown names lower-cased.

    OSV ecosystems may carry a suffix such as `Debian:11` or `Maven:central`: the part
    before the colon names the ecosystem.
    """
    base = ecosystem.strip().split(":", 1)[0].strip().lower()
    return _ECOSYSTEM_ALIASES.get(base, base)


def normalise_name(ecosystem: str, name: str) -> str:
    """The package name as the ecosystem's registry compares it."""
    eco = canonical_ecosystem(ecosystem)
    raw = name.strip()
    if eco == "pypi":
        return _PYPI_SEPARATORS.sub("-", raw).lower()  # PEP 503
    if eco == "crates.io":
        return raw.lower().replace("_", "-")  # crates.io treats - and _ as one name
    if eco == "maven":
        # purl spells group/artifact; OSV spells group:artifact.
        return raw.replace("/", ":").replace(" ", "").lower()
    if eco == "go":
        return _normalise_go_path(raw)
    if eco == "nuget":
        return raw.lower()
    # npm (scopes kept), packagist (vendor/name), rubygems, hex, pub...: case-insensitive.
    return raw.lower()


def _normalise_go_path(path: str) -> str:
    cleaned = path.strip().strip("/")
    for prefix in ("https://", "http://"):
        cleaned = cleaned.removeprefix(prefix)
    host, _, rest = cleaned.partition("/")
    host = host.lower()
    if host in _FORGE_HOSTS:
        rest = rest.lower()  # forges compare owner/repo case-insensitively
    return f"{host}/{rest}" if rest else host


def package_key(ecosystem: str, name: str) -> str:
    """`ecosystem:normalised-name`, e.g. `pypi:zope-interface`, `maven:org.x:core`."""
    return f"{canonical_ecosystem(ecosystem)}:{normalise_name(ecosystem, name)}"


def go_module_root(path: str) -> str:
    """The module a Go import path most likely belongs to, without its major version.

    `github.com/o/r/v2/sub` -> `github.com/o/r`; `gopkg.in/yaml.v3` -> `github.com/go-yaml/yaml`;
    `golang.org/x/net/html` -> `github.com/golang/net`; other hosts keep two segments
    (`go.uber.org/zap/zapcore` -> `go.uber.org/zap`), the common shape of vanity paths.
    """
    normalised = _normalise_go_path(path)
    segments = [s for s in normalised.split("/") if s]
    if not segments:
        return normalised
    host = segments[0]
    if host == "gopkg.in":
        return _gopkg_root(segments[1:])
    for prefix, depth, forge_owner in _GO_VANITY:
        if normalised.startswith(prefix) or normalised + "/" == prefix:
            parts = segments[:depth]
            if len(parts) == depth:
                return forge_owner + parts[-1].lower()
            return "/".join(parts)
    depth = 3 if host in _FORGE_HOSTS else 2
    root = [s for s in segments[:depth] if not _GO_MAJOR.match(s)]
    return "/".join(root)


def _gopkg_root(segments: list[str]) -> str:
    # gopkg.in/pkg.v3 -> github.com/go-pkg/pkg; gopkg.in/user/pkg.v3 -> github.com/user/pkg
    if len(segments) >= 2 and _GOPKG_SEGMENT.match(segments[1]):
        name = segments[1].rsplit(".", 1)[0]
        return f"github.com/{segments[0].lower()}/{name.lower()}"
    if segments and (match := _GOPKG_SEGMENT.match(segments[0])):
        name = match.group("name").lower()
        return f"github.com/go-{name}/{name}"
    return "gopkg.in/" + "/".join(segments)


def repository_of(ecosystem: str, name: str) -> str | None:
    """The source repository a package name itself reveals (Go modules on forges), if any."""
    if canonical_ecosystem(ecosystem) != "go":
        return None
    root = go_module_root(name)
    if root.split("/", 1)[0] in _FORGE_HOSTS and root.count("/") == 2:
        return root
    return None


def family_key(ecosystem: str, name: str) -> str:
    """The coarse identity used to compare packages: Go paths collapse to their module root."""
    eco = canonical_ecosystem(ecosystem)
    if eco == "go":
        return f"go:{go_module_root(name)}"
    return f"{eco}:{normalise_name(eco, name)}"


@dataclass(slots=True)
class AliasTable:
    """Known renames and forks: package keys that name the same software.

    Built from groups of `ecosystem:name` spellings (any spelling `package_key` accepts on
    both sides); every member of a group maps to one representative, so aliasing is
    transitive. The representative is the smallest key, which keeps it independent of the
    order groups were given in.
    """

    _parent: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_groups(cls, groups: Iterable[Iterable[str]]) -> AliasTable:
        table = cls()
        for group in groups:
            keys = [_alias_key(spelling) for spelling in group]
            for other in keys[1:]:
                table.link(keys[0], other)
        return table

    def link(self, first: str, second: str) -> None:
        a, b = self._find(first), self._find(second)
        if a != b:
            low, high = sorted((a, b))
            self._parent[high] = low

    def canonical(self, key: str) -> str:
        return self._find(key)

    def _find(self, key: str) -> str:
        root = key
        while (parent := self._parent.get(root)) is not None and parent != root:
            root = parent
        while key != root:  # path compression keeps look-ups flat
            parent = self._parent[key]
            self._parent[key] = root
            key = parent
        return root


def _alias_key(spelling: str) -> str:
    ecosystem, sep, name = spelling.partition(":")
    if not sep:
        raise ValueError(f"alias {spelling!r} must be written ecosystem:name")
    return family_key(ecosystem, name)
