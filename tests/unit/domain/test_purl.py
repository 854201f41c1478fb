"""akrites.domain.purl: the official purl-spec vectors, properties, errors and the OSV mapping."""

from __future__ import annotations

import json
import pickle
import string
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from akrites.domain.errors import InvalidInput
from akrites.domain.purl import (
    ECOSYSTEM_PURL_TYPES,
    Ecosystem,
    Purl,
    PurlError,
    ecosystem_for_purl,
    normalize_purl,
    parse_ecosystem,
    parse_purl,
    purl_type_for_ecosystem,
)
from akrites.domain.purl_types import PURL_TYPES, Requirement, TypeRules

VECTORS_DIR = Path(__file__).resolve().parents[2] / "data" / "purl"
DEFINITIONS_DIR = files("akrites").joinpath("data", "purl-types")

# The official vectors that cannot pass, keyed by (file, test_type, input), with the reason.
# The suite contradicts itself on these; each reason says how.
KNOWN_CONFLICTS: dict[tuple[str, str, str], str] = {
    ("gem-test.json", "parse", "pkg:gem/jruby-launcher@1.1.2?Platform=java"): (
        "expects upper-case qualifier keys to be rejected, but the recommended validate vector "
        "for this same input (and the required maven parse vector with 'repositorY_url') expect "
        "them folded to lower case, as ECMA-427 'How to parse' says; we fold"
    ),
    ("rpm-test.json", "parse", "pkg:Rpm/fedora/curl@7.50.3-1.fc25?Arch=i386&Distro=fedora-25"): (
        "same conflict as the gem vector: upper-case qualifier keys are folded, not rejected"
    ),
    ("git-test.json", "validate", "pkg:git/github/Package-url/purl-Spec@244fd47e07d1004f0aed9c"): (
        "expects the git namespace and name lower-cased, but the git type definition declares "
        "both case-sensitive and lists pkg:git/gitlab.gnome.org/GNOME/adwaita-fonts as canonical; "
        "we follow the definition"
    ),
}


def _vector_key(file_name: str, vector: dict[str, Any]) -> tuple[str, str, str]:
    raw = vector["input"]
    text = raw if isinstance(raw, str) else json.dumps(raw, sort_keys=True)
    return (file_name, vector["test_type"], text)


def _vector_params() -> list[Any]:
    params = []
    for path in sorted(VECTORS_DIR.glob("*-test.json")):
        for position, vector in enumerate(json.loads(path.read_text(encoding="utf-8"))["tests"]):
            reason = KNOWN_CONFLICTS.get(_vector_key(path.name, vector))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            test_id = f"{path.name.removesuffix('-test.json')}-{position}-{vector['test_type']}"
            params.append(pytest.param(vector, marks=marks, id=test_id))
    return params


def _run_vector(test_type: str, given_input: Any) -> object:
    if test_type == "parse":
        purl = parse_purl(given_input)
        return {
            "type": purl.type,
            "namespace": purl.namespace,
            "name": purl.name,
            "version": purl.version,
            "qualifiers": dict(purl.qualifiers) or None,
            "subpath": purl.subpath,
        }
    if test_type == "build":
        qualifiers = given_input["qualifiers"] or {}
        return Purl(
            type=given_input["type"],
            namespace=given_input["namespace"],
            name=given_input["name"],
            version=given_input["version"],
            qualifiers=tuple(qualifiers.items()),
            subpath=given_input["subpath"],
        ).to_string()
    assert test_type == "validate", test_type
    return normalize_purl(given_input)


# --- the official test vectors ----------------------------------------------------------------


@pytest.mark.parametrize("vector", _vector_params())
def test_official_purl_spec_vector(vector: dict[str, Any]) -> None:
    if vector.get("expected_failure"):
        with pytest.raises(PurlError):
            _run_vector(vector["test_type"], vector["input"])
    else:
        assert _run_vector(vector["test_type"], vector["input"]) == vector["expected_output"]


def test_every_known_conflict_names_an_existing_vector() -> None:
    keys = set()
    for path in VECTORS_DIR.glob("*-test.json"):
        for vector in json.loads(path.read_text(encoding="utf-8"))["tests"]:
            keys.add(_vector_key(path.name, vector))
    assert set(KNOWN_CONFLICTS) <= keys


def test_every_registered_type_has_official_vectors() -> None:
    vector_types = {
        path.name.removesuffix("-test.json") for path in VECTORS_DIR.glob("*-test.json")
    }
    assert set(PURL_TYPES) <= vector_types


def test_vector_files_match_the_purl_test_schema() -> None:
    schema = json.loads((VECTORS_DIR / "purl-test.schema-0.2.json").read_text(encoding="utf-8"))
    for path in VECTORS_DIR.glob("*-test.json"):
        jsonschema.validate(json.loads(path.read_text(encoding="utf-8")), schema)


def test_shipped_type_definitions_match_the_type_definition_schema() -> None:
    schema_path = VECTORS_DIR / "purl-type-definition.schema-1.0.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    definitions = [e for e in DEFINITIONS_DIR.iterdir() if e.name.endswith("-definition.json")]
    assert len(definitions) == len(PURL_TYPES)
    for entry in definitions:
        jsonschema.validate(json.loads(entry.read_text(encoding="utf-8")), schema)


# --- normalisation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_text", "canonical"),
    [
        ("pkg:PyPI/Django_REST_framework@3.15", "pkg:pypi/django-rest-framework@3.15"),
        ("pkg:npm/JSONStream@1.3.5", "pkg:npm/JSONStream@1.3.5"),
        ("pkg:npm/@angular/core@17.0.0", "pkg:npm/%40angular/core@17.0.0"),
        ("pkg://maven//org.apache//commons-io/", "pkg:maven/org.apache/commons-io"),
        ("PKG:golang/github.com/gorilla/mux", "pkg:golang/github.com/gorilla/mux"),
        ("pkg:generic/café@1.0", "pkg:generic/caf%C3%A9@1.0"),
        ("pkg:generic/foo?b=2&a=1&empty=&Z=3", "pkg:generic/foo?a=1&b=2&z=3"),
        (
            "pkg:generic/foo?url=https://x.org/a%2Fb",
            "pkg:generic/foo?url=https:%2F%2Fx.org%2Fa%2Fb",
        ),
        ("pkg:generic/foo#/a/./b/../c//", "pkg:generic/foo#a/b/c"),
        ("pkg:generic/foo@", "pkg:generic/foo"),
        ("pkg:pub/Flutter-Lints@1.0", "pkg:pub/flutter_lints@1.0"),
        ("pkg:cpan/drolsky/DateTime@1.55", "pkg:cpan/DROLSKY/DateTime@1.55"),
        ("pkg:deb/Debian/OpenSSL@3.0.11-1", "pkg:deb/debian/openssl@3.0.11-1"),
        ("pkg:pypi/Django@5.0RC1", "pkg:pypi/django@5.0rc1"),
    ],
)
def test_normalize_purl_gives_the_canonical_spelling(given_text: str, canonical: str) -> None:
    assert normalize_purl(given_text) == canonical


def test_constructing_a_purl_normalises_it_like_parsing_does() -> None:
    built = Purl(type="PyPI", name="Django_Rest", qualifiers=(("B", "2"), ("a", "1")))
    assert built == parse_purl("pkg:pypi/django-rest?a=1&b=2")
    assert built.qualifiers == (("a", "1"), ("b", "2"))
    assert str(built) == "pkg:pypi/django-rest?a=1&b=2"


def test_package_is_the_registry_key_without_version_qualifiers_or_subpath() -> None:
    purl = parse_purl("pkg:npm/%40angular/core@17.0.0?arch=x64#lib/index.js")
    assert purl.package == "pkg:npm/%40angular/core"
    assert parse_purl("pkg:npm/%40angular/core@16.0.0").package == purl.package


def test_git_name_is_the_repository_path_on_the_host() -> None:
    purl = parse_purl("pkg:git/gitlab.gnome.org/GNOME/adwaita-fonts@v1")
    assert (purl.namespace, purl.name) == ("gitlab.gnome.org", "GNOME/adwaita-fonts")
    assert purl.package == "pkg:git/gitlab.gnome.org/GNOME/adwaita-fonts"


def test_mlflow_names_fold_case_only_on_databricks() -> None:
    databricks = "pkg:mlflow/Fraud@1?repository_url=adb-1.azuredatabricks.net/api/2.0/mlflow"
    assert parse_purl(databricks).name == "fraud"
    assert parse_purl("pkg:mlflow/Fraud@1?repository_url=https://ml.example.org").name == "Fraud"


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_text", "field", "explanation"),
    [
        ("", "purl", "is empty"),
        ("django@5.0", "purl", "must start with the scheme 'pkg:'"),
        ("https://pypi.org/project/django", "purl", "must start with the scheme 'pkg:'"),
        ("pkg:npm/left pad", "purl", "contains a space at position 13; write it as %20"),
        ("pkg:npm/left-pad\n", "purl", "invisible character U+000A at position 17"),
        ("pkg:npm/left\u202epad", "purl", "invisible character U+202E"),
        ("pkg:foo/bar", "purl.type", "unknown package type 'foo': expected one of alpm, apk,"),
        ("pkg:3d/bar", "purl.type", "must start with an ASCII letter"),
        ("pkg:py_pi/django", "purl.type", "only ASCII letters, digits, '.' and '-'"),
        ("pkg:py%70i/django", "purl.type", "must not be percent-encoded"),
        ("pkg:pypi", "purl.name", "is missing; expected a purl such as pkg:pypi/django@1.11.1"),
        ("pkg:pypi/", "purl.name", "is missing"),
        ("pkg:maven/org.apache/@1.0", "purl.name", "is empty (nothing between '/' and '@')"),
        ("pkg:maven/commons-io@2.0", "purl.namespace", "is required for pkg:maven"),
        ("pkg:pypi/psf/requests", "purl.namespace", "is not allowed for pkg:pypi (got 'psf')"),
        ("pkg:generic/a%2Fb/c", "purl.namespace", "decodes to text with a '/'"),
        ("pkg:npm/left%zzpad", "purl.name", "'%' that is not followed by two hex digits"),
        ("pkg:npm/left%FFpad", "purl.name", "percent-decodes to bytes that are not UTF-8"),
        ("pkg:npm/left-pad@1.0%", "purl.version", "'%' that is not followed by two hex digits"),
        ("pkg:npm/x?in%20prod=true", "purl.qualifiers", "must not be percent-encoded"),
        ("pkg:npm/x?1st=true", "purl.qualifiers", "must start with a letter"),
        ("pkg:npm/x?a=1&A=2", "purl.qualifiers", "'a' appears more than once"),
        ("pkg:npm/x?debug", "purl.qualifiers", "'debug' has no '='"),
        ("pkg:julia/Dates@1.9.0", "purl.qualifiers", "pkg:julia needs the qualifier uuid"),
        ("pkg:generic/x#a%2Fb", "purl.subpath", "decodes to text with a '/'"),
        ("pkg:cpan/LWP::UserAgent@6.7", "purl.name", "is a Perl module name"),
        ("pkg:chrome-extension/dogs", "purl.name", "does not match ^[a-p]{32}$"),
        ("pkg:chrome-extension/" + "a" * 32 + "@1.0-beta", "purl.version", "does not match"),
    ],
)
def test_malformed_purl_is_rejected_with_the_field_at_fault(
    given_text: str, field: str, explanation: str
) -> None:
    with pytest.raises(PurlError) as raised:
        parse_purl(given_text)
    assert raised.value.field == field
    assert explanation in raised.value.message


@pytest.mark.parametrize(
    ("components", "field"),
    [
        ({"type": None, "name": "x"}, "purl.type"),
        ({"type": "npm", "name": ""}, "purl.name"),
        ({"type": "npm", "name": "/"}, "purl.name"),
        ({"type": "npm", "name": 42}, "purl.name"),
        ({"type": "npm", "name": "x", "version": "1\udc80"}, "purl.version"),
        (
            {"type": "npm", "name": "x", "qualifiers": (("in production", "yes"),)},
            "purl.qualifiers",
        ),
        ({"type": "npm", "name": "x", "qualifiers": "a=1"}, "purl.qualifiers"),
        ({"type": "vcpkg", "namespace": "boost", "name": "asio"}, "purl.namespace"),
    ],
)
def test_invalid_components_are_rejected_when_building(components: Any, field: str) -> None:
    with pytest.raises(PurlError) as raised:
        Purl(**components)
    assert raised.value.field == field


def test_purl_error_is_a_value_error_and_an_invalid_input_that_survives_pickling() -> None:
    with pytest.raises(PurlError) as raised:
        parse_purl("pkg:pypi")
    error = raised.value
    assert isinstance(error, ValueError)
    assert isinstance(error, InvalidInput)
    assert str(error) == f"purl.name: {error.message}"
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object, round-tripped
    assert (copy.field, copy.message) == (error.field, error.message)


# --- properties --------------------------------------------------------------------------------

_ANY_TEXT = st.text(st.characters(codec="utf-8"), min_size=1, max_size=8)
_SEGMENT = _ANY_TEXT.map(lambda text: text.replace("/", "-"))
_KEY = st.from_regex(r"[a-z][a-z0-9._-]{0,6}", fullmatch=True)
_UNRESERVED = frozenset(string.ascii_letters + string.digits + ".-_~")
# Every @given below sets deadline=None: no test may depend on wall-clock time.


def _component_text(rule_pattern: Any) -> st.SearchStrategy[str]:
    return st.from_regex(rule_pattern) if rule_pattern is not None else _SEGMENT


@st.composite
def _purls(draw: st.DrawFn) -> Purl:
    rules: TypeRules = PURL_TYPES[draw(st.sampled_from(sorted(PURL_TYPES)))]
    namespace = None
    requirement = rules.namespace.requirement
    if requirement is Requirement.REQUIRED or (
        requirement is Requirement.OPTIONAL and draw(st.booleans())
    ):
        namespace = "/".join(draw(st.lists(_SEGMENT, min_size=1, max_size=3)))
    qualifiers = draw(st.dictionaries(_KEY, _ANY_TEXT, max_size=3))
    qualifiers.update((key, draw(_ANY_TEXT)) for key in rules.required_qualifiers)
    subpath = draw(st.none() | st.lists(_SEGMENT, min_size=1, max_size=3).map("/".join))
    try:
        return Purl(
            type=rules.type,
            namespace=namespace,
            name=draw(_component_text(rules.name.permitted)),
            version=draw(st.none() | _component_text(rules.version.permitted)),
            qualifiers=tuple(qualifiers.items()),
            subpath=subpath,
        )
    except PurlError:
        # A few type rules (e.g. no '::' in cpan names) are not worth teaching the strategy.
        return draw(st.nothing())


def _messy(text: str, must_encode: str, draw: st.DrawFn) -> str:
    """Spell ``text`` as a sloppy producer might: needless or lower-case percent-escapes."""
    out = []
    for char in text:
        escape = "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))
        if (char in _UNRESERVED or char in "+!$'()*,;:") and char not in must_encode:
            out.append(escape if draw(st.booleans()) else char)
        else:
            out.append(escape.lower() if draw(st.booleans()) else escape)
    return "".join(out)


@st.composite
def _messy_spellings(draw: st.DrawFn) -> tuple[Purl, str]:
    purl = draw(_purls())
    kind = "".join(c.upper() if draw(st.booleans()) else c for c in purl.type)
    text = "pkg:" + "/" * draw(st.integers(0, 3)) + kind + "/"
    if purl.namespace is not None:
        text += "/".join(_messy(s, "/@?#%", draw) for s in purl.namespace.split("/")) + "/"
    name_parts = purl.name.split("/") if purl.type == "git" else [purl.name]
    text += "/".join(_messy(s, "/@?#%", draw) for s in name_parts)
    if purl.version is not None:
        text += "@" + _messy(purl.version, "/@?#%", draw)
    if purl.qualifiers:
        pairs = [f"{k.upper()}={_messy(v, '&?#%', draw)}" for k, v in purl.qualifiers]
        text += "?" + "&".join(draw(st.permutations(pairs)))
    if purl.subpath is not None:
        text += "#/" + "/".join(_messy(s, "/?#%", draw) for s in purl.subpath.split("/")) + "/"
    return purl, text


@settings(deadline=None)
@given(_purls())
def test_parsing_the_canonical_string_gives_back_the_same_purl(purl: Purl) -> None:
    assert parse_purl(purl.to_string()) == purl
    assert normalize_purl(purl.to_string()) == purl.to_string()


@settings(deadline=None)
@given(_messy_spellings())
def test_normalize_is_idempotent_and_undoes_sloppy_spelling(case: tuple[Purl, str]) -> None:
    purl, messy = case
    once = normalize_purl(messy)
    assert once == purl.to_string()
    assert normalize_purl(once) == once


@settings(deadline=None)
@given(
    st.text(max_size=40) | st.text(alphabet="pkg:/@?#&=%2Fa-.Z ", max_size=40).map("pkg:".__add__)
)
def test_any_text_either_parses_to_a_fixed_point_or_raises_purl_error(text: str) -> None:
    try:
        canonical = normalize_purl(text)
    except PurlError:
        return
    assert normalize_purl(canonical) == canonical


# --- OSV ecosystems ----------------------------------------------------------------------------


def _example_purl(ecosystem: Ecosystem) -> Purl:
    purl_type, vendor = ECOSYSTEM_PURL_TYPES[ecosystem]
    rules = PURL_TYPES[purl_type]
    if vendor is None and rules.namespace.requirement is Requirement.REQUIRED:
        vendor = "example-org"
    qualifiers = tuple((key, "x") for key in sorted(rules.required_qualifiers))
    return Purl(type=purl_type, namespace=vendor, name="example", qualifiers=qualifiers)


@pytest.mark.parametrize("ecosystem", list(Ecosystem))
def test_each_ecosystem_maps_to_a_registered_purl_type_and_back(ecosystem: Ecosystem) -> None:
    assert purl_type_for_ecosystem(ecosystem) in PURL_TYPES
    assert ecosystem_for_purl(_example_purl(ecosystem)) is ecosystem


def test_the_ecosystem_mapping_is_one_to_one() -> None:
    assert set(ECOSYSTEM_PURL_TYPES) == set(Ecosystem)
    assert len(set(ECOSYSTEM_PURL_TYPES.values())) == len(Ecosystem)


@pytest.mark.parametrize(
    ("given_text", "ecosystem"),
    [
        ("pkg:pypi/django@5.0", Ecosystem.PYPI),
        ("pkg:cargo/serde", Ecosystem.CRATES_IO),
        ("pkg:golang/github.com/gorilla/mux", Ecosystem.GO),
        ("pkg:composer/laravel/framework", Ecosystem.PACKAGIST),
        ("pkg:github/actions/checkout@v4", Ecosystem.GITHUB_ACTIONS),
        ("pkg:deb/debian/openssl@3.0.11-1", Ecosystem.DEBIAN),
        ("pkg:deb/ubuntu/openssl", Ecosystem.UBUNTU),
        ("pkg:apk/alpine/musl", Ecosystem.ALPINE),
        ("pkg:rpm/redhat/openssl", Ecosystem.RED_HAT),
    ],
)
def test_ecosystem_for_purl(given_text: str, ecosystem: Ecosystem) -> None:
    assert ecosystem_for_purl(parse_purl(given_text)) is ecosystem


def test_purl_type_without_osv_ecosystem_is_refused() -> None:
    with pytest.raises(PurlError) as raised:
        ecosystem_for_purl(parse_purl("pkg:generic/openssl@3.0"))
    assert raised.value.field == "purl.type"
    assert "pkg:generic has no OSV ecosystem" in raised.value.message


def test_distribution_vendor_without_osv_ecosystem_is_refused() -> None:
    with pytest.raises(PurlError) as raised:
        ecosystem_for_purl(parse_purl("pkg:deb/kali/openssl"))
    assert raised.value.field == "purl.namespace"
    assert "vendors with one: debian, ubuntu" in raised.value.message


@pytest.mark.parametrize(
    ("given_text", "ecosystem"),
    [
        ("PyPI", Ecosystem.PYPI),
        ("pypi", Ecosystem.PYPI),
        ("CRATES.IO", Ecosystem.CRATES_IO),
        ("github actions", Ecosystem.GITHUB_ACTIONS),
        ("Red Hat", Ecosystem.RED_HAT),
        (Ecosystem.GO, Ecosystem.GO),
    ],
)
def test_parse_ecosystem_accepts_osv_names_in_any_case(
    given_text: str, ecosystem: Ecosystem
) -> None:
    assert parse_ecosystem(given_text) is ecosystem


@pytest.mark.parametrize(
    ("given_text", "explanation"),
    [
        ("Cargo", "unknown ecosystem 'Cargo': expected one of AlmaLinux, Alpine,"),
        ("", "unknown ecosystem ''"),
        ("Debian:12", "carries a release or repository suffix; give the ecosystem alone (Debian)"),
    ],
)
def test_unknown_ecosystem_is_rejected_with_the_valid_names(
    given_text: str, explanation: str
) -> None:
    with pytest.raises(PurlError) as raised:
        parse_ecosystem(given_text)
    assert raised.value.field == "ecosystem"
    assert explanation in raised.value.message


@pytest.mark.parametrize(
    ("ecosystem", "purl_type"),
    [("PyPI", "pypi"), (Ecosystem.GO, "golang"), ("debian", "deb"), ("Packagist", "composer")],
)
def test_purl_type_for_ecosystem(ecosystem: Ecosystem | str, purl_type: str) -> None:
    assert purl_type_for_ecosystem(ecosystem) == purl_type


def test_purl_type_for_unknown_ecosystem_is_refused() -> None:
    with pytest.raises(PurlError) as raised:
        purl_type_for_ecosystem("Bower")
    assert raised.value.field == "ecosystem"
