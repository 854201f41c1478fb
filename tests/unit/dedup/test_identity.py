from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from akrites.domain.dedup.identity import (
    AliasTable,
    canonical_ecosystem,
    family_key,
    go_module_root,
    package_key,
    repository_of,
)


@pytest.mark.parametrize(
    ("ecosystem", "name", "expected"),
    [
        ("PyPI", "Zope.Interface", "pypi:zope-interface"),
        ("PyPI", "foo__bar-.baz", "pypi:foo-bar-baz"),
        ("pypi", "Django", "pypi:django"),
        ("npm", "@Babel/Core", "npm:@babel/core"),
        ("npm", "lodash", "npm:lodash"),
        (
            "Maven",
            "org.apache.logging.log4j:log4j-core",
            "maven:org.apache.logging.log4j:log4j-core",
        ),
        (
            "maven",
            "org.apache.logging.log4j/log4j-core",
            "maven:org.apache.logging.log4j:log4j-core",
        ),
        ("Packagist", "Symfony/HTTP-Kernel", "packagist:symfony/http-kernel"),
        ("composer", "guzzlehttp/guzzle", "packagist:guzzlehttp/guzzle"),
        ("RubyGems", "Rails", "rubygems:rails"),
        ("crates.io", "tokio_util", "crates.io:tokio-util"),
        ("cargo", "Serde-JSON", "crates.io:serde-json"),
        ("Go", "GitHub.com/Gin-Gonic/Gin", "go:github.com/gin-gonic/gin"),
    ],
)
def test_package_key_normalises_each_ecosystem(ecosystem: str, name: str, expected: str) -> None:
    assert package_key(ecosystem, name) == expected


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [("PyPI", "pypi"), ("golang", "go"), ("Maven:central", "maven"), ("Debian:11", "debian")],
)
def test_ecosystem_spellings_are_canonical(spelling: str, expected: str) -> None:
    assert canonical_ecosystem(spelling) == expected


@pytest.mark.parametrize(
    ("path", "root"),
    [
        ("github.com/hashicorp/vault/v2/api", "github.com/hashicorp/vault"),
        ("github.com/hashicorp/vault", "github.com/hashicorp/vault"),
        ("github.com/containerd/containerd/v2", "github.com/containerd/containerd"),
        ("gopkg.in/yaml.v3", "github.com/go-yaml/yaml"),
        ("gopkg.in/square/go-jose.v2", "github.com/square/go-jose"),
        ("golang.org/x/net/html", "github.com/golang/net"),
        ("k8s.io/client-go/kubernetes", "github.com/kubernetes/client-go"),
        ("go.uber.org/zap/zapcore", "go.uber.org/zap"),
        ("code.gitea.io/gitea/modules/setting", "code.gitea.io/gitea"),
    ],
)
def test_go_paths_collapse_to_their_module_without_major_version(path: str, root: str) -> None:
    assert go_module_root(path) == root


def test_go_sub_package_and_major_version_share_a_family() -> None:
    assert family_key("Go", "github.com/hashicorp/vault/v2/api") == family_key(
        "Go", "github.com/hashicorp/vault"
    )


def test_go_forge_module_reveals_its_repository() -> None:
    assert repository_of("Go", "github.com/Foo/Bar/v3/pkg") == "github.com/foo/bar"
    assert repository_of("PyPI", "bar") is None


def test_alias_table_joins_renames_and_forks_transitively() -> None:
    table = AliasTable.from_groups(
        [("pypi:PyCrypto", "pypi:pycryptodome"), ("pypi:pycryptodome", "pypi:pycryptodomex")]
    )
    roots = {
        table.canonical(family_key("PyPI", name))
        for name in ("pycrypto", "PyCryptodome", "pycryptodomex")
    }
    assert len(roots) == 1
    assert table.canonical("pypi:unrelated") == "pypi:unrelated"


def test_alias_without_ecosystem_is_rejected() -> None:
    with pytest.raises(ValueError, match="ecosystem:name"):
        AliasTable.from_groups([("pycrypto", "pypi:pycryptodome")])


_names = st.text(alphabet="abcdefgh", min_size=1, max_size=3).map(lambda n: f"pypi:{n}")


@given(st.lists(st.tuples(_names, _names), max_size=12), st.randoms(use_true_random=False))
def test_alias_representatives_do_not_depend_on_group_order(
    pairs: list[tuple[str, str]], rnd: object
) -> None:
    shuffled = list(pairs)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    first = AliasTable.from_groups(pairs)
    second = AliasTable.from_groups(shuffled)
    for a, b in pairs:
        for key in (a, b):
            assert first.canonical(key) == second.canonical(key)
        assert first.canonical(a) == first.canonical(b)
