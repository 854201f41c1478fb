"""OSV range evaluation: the answers the OSV API gives to pip-audit and friends."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from akrites.domain.osv_match import Query, affects, normalise_name


def _record(
    *events: dict[str, str], versions: tuple[str, ...] = (), eco: str = "PyPI"
) -> dict[str, Any]:
    return {
        "id": "x_akrites-AKR-2026-0001",
        "affected": [
            {
                "package": {"ecosystem": eco, "name": "Quetzal_Lib"},
                "ranges": [{"type": "ECOSYSTEM", "events": list(events)}],
                "versions": list(versions),
            }
        ],
    }


RECORD = _record(
    {"introduced": "0"}, {"fixed": "2.4.1"}, {"introduced": "3.0.0"}, {"fixed": "3.0.2"}
)


def q(version: str | None, name: str = "quetzal-lib", eco: str = "PyPI") -> Query:
    return Query(ecosystem=eco, name=name, version=version)


def test_versions_inside_and_outside_two_ranges() -> None:
    assert affects(RECORD, q("1.0"))
    assert affects(RECORD, q("2.4.0"))
    assert affects(RECORD, q("2.4.1rc1"))  # PEP 440: a pre-release sorts before the release
    assert not affects(RECORD, q("2.4.1"))
    assert not affects(RECORD, q("2.10"))  # numeric, not lexical, order
    assert affects(RECORD, q("3.0.1"))
    assert not affects(RECORD, q("3.0.2"))
    assert not affects(RECORD, q("4"))


def test_names_compare_as_the_ecosystem_does() -> None:
    assert affects(RECORD, q("1.0", name="QUETZAL.LIB"))
    assert not affects(RECORD, q("1.0", name="quetzal"))
    assert not affects(RECORD, q("1.0", eco="npm"))
    assert normalise_name("npm", "Left_Pad") == "Left_Pad"


def test_last_affected_includes_that_version_and_versions_list_is_exact() -> None:
    record = _record({"introduced": "1.0.0"}, {"last_affected": "1.2.0"}, versions=("0.9-weird",))
    assert affects(record, q("1.2.0"))
    assert not affects(record, q("1.2.1"))
    assert not affects(record, q("0.9"))
    assert affects(record, q("0.9-weird"))


def test_package_query_without_version_and_withdrawn_records() -> None:
    assert affects(RECORD, q(None))
    assert not affects({**RECORD, "withdrawn": "2026-11-01T00:00:00Z"}, q("1.0"))


def test_unparseable_versions_match_nothing_but_exact_entries() -> None:
    assert not affects(RECORD, q("not a version!"))


def test_semver_ranges_for_npm() -> None:
    record = {
        "affected": [
            {
                "package": {"ecosystem": "npm", "name": "left-pad"},
                "ranges": [
                    {"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"fixed": "1.3.0"}]}
                ],
            }
        ]
    }
    assert affects(record, q("1.2.9", name="left-pad", eco="npm"))
    assert not affects(record, q("1.3.0", name="left-pad", eco="npm"))
    assert not affects(record, q("1.3.0-beta.1", name="left-Pad", eco="npm"))


triples = st.tuples(st.integers(0, 20), st.integers(0, 20), st.integers(0, 20)).map(
    lambda t: ".".join(map(str, t))
)


@given(st.lists(triples, min_size=2, max_size=8, unique=True), triples)
def test_alternating_events_agree_with_a_plain_interval_check(
    points: list[str], version: str
) -> None:
    """Events introduced/fixed alternating over sorted versions describe disjoint half-open
    intervals; the evaluation must agree with checking each interval directly."""

    def key(v: str) -> tuple[int, ...]:
        return tuple(int(p) for p in v.split("."))

    ordered = sorted(points, key=key)
    events = [{"introduced" if i % 2 == 0 else "fixed": v} for i, v in enumerate(ordered)]
    intervals = [
        (ordered[i], ordered[i + 1] if i + 1 < len(ordered) else None)
        for i in range(0, len(ordered), 2)
    ]
    expected = any(
        key(lo) <= key(version) and (hi is None or key(version) < key(hi)) for lo, hi in intervals
    )
    assert affects(_record(*events), q(version)) == expected
