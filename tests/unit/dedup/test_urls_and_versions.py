from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from akrites.domain.dedup.urls import RefKind, parse_reference
from akrites.domain.dedup.versions import Interval, prose_bounds, version_key


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (
            "https://github.com/Acme/Widget/commit/4469d1d42b2b1612b70638224c07e19623039c42",
            "http://www.github.com/acme/widget/commit/4469d1d",
        ),
        ("https://github.com/acme/widget/pull/17/files", "https://github.com/acme/widget/pull/17"),
        (
            "https://huntr.dev/bounties/359bea50-2bc6-426a-b2f9-175d401b1ed0/",
            "https://huntr.com/bounties/359bea50-2bc6-426a-b2f9-175d401b1ed0",
        ),
        (
            "https://bugzilla.redhat.com/show_bug.cgi?id=1235688",
            "https://bugzilla.redhat.com/show_bug.cgi?id=1235688&utm_source=x",
        ),
        (
            "https://github.com/acme/widget/releases/tag/v2.3.1",
            "https://github.com/acme/widget/releases/2.3.1",
        ),
        ("https://example.org/news/security/", "http://www.example.org/news/security#top"),
    ],
)
def test_spellings_of_one_link_share_a_key(first: str, second: str) -> None:
    a, b = parse_reference(first), parse_reference(second)
    assert a is not None
    assert b is not None
    assert a.key == b.key


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://github.com/o/r/commit/4469d1d42b2b", RefKind.COMMIT),
        ("https://gitlab.com/group/sub/proj/-/commit/4469d1d42b2b", RefKind.COMMIT),
        ("https://gitlab.com/group/proj/-/merge_requests/12", RefKind.CHANGE),
        ("https://github.com/o/r/issues/9", RefKind.ISSUE),
        ("https://github.com/o/r/security/advisories/GHSA-xxxx-yyyy-zzzz", RefKind.ISSUE),
        ("https://bugs.launchpad.net/ubuntu/+source/moin/+bug/1094599", RefKind.ISSUE),
        ("https://github.com/o/r/releases/tag/v1.2", RefKind.RELEASE),
        ("https://lists.debian.org/debian-lts-announce/2020/07/msg00032.html", RefKind.PAGE),
    ],
)
def test_links_are_classified_by_how_specific_they_are(url: str, kind: RefKind) -> None:
    ref = parse_reference(url)
    assert ref is not None
    assert ref.kind is kind


def test_gitlab_nested_groups_name_the_project_repository() -> None:
    ref = parse_reference("https://gitlab.com/Group/Sub/Proj/-/issues/3")
    assert ref is not None
    assert ref.repo == "gitlab.com/group/sub/proj"


@pytest.mark.parametrize("url", ["mailto:security@example.org", "not a url", "ftp://x.org/a"])
def test_unusable_links_are_ignored(url: str) -> None:
    assert parse_reference(url) is None


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("1.0rc1", "1.0"),
        ("1.0", "1.0.post1"),
        ("1.0.post1", "1.0.1"),
        ("1.9", "1.10"),
        ("2.0.0-beta.2", "2.0.0"),
        ("1.0.0-alpha", "1.0.0-beta"),
        ("v1.2.3", "1.2.4"),
    ],
)
def test_versions_order_across_ecosystem_spellings(lower: str, higher: str) -> None:
    assert version_key(lower) < version_key(higher)


@pytest.mark.parametrize(("a", "b"), [("1.0", "1.0.0"), ("v2.1", "2.1.0"), ("3.0.Final", "3.0")])
def test_equal_versions_have_equal_keys(a: str, b: str) -> None:
    assert version_key(a) == version_key(b)


_parts = st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=4)


@given(_parts, _parts)
def test_numeric_versions_order_like_their_number_tuples(a: list[int], b: list[int]) -> None:
    def padded(parts: list[int]) -> tuple[int, ...]:
        return tuple(parts + [0] * (4 - len(parts)))

    key_a = version_key(".".join(map(str, a)))
    key_b = version_key(".".join(map(str, b)))
    assert (key_a < key_b) == (padded(a) < padded(b))
    assert (key_a == key_b) == (padded(a) == padded(b))


_versions = st.lists(st.integers(min_value=0, max_value=9), min_size=1, max_size=3).map(
    lambda parts: version_key(".".join(map(str, parts)))
)


@given(_versions, st.one_of(st.none(), _versions), _versions, st.one_of(st.none(), _versions))
def test_interval_overlap_is_symmetric(
    low_a: tuple[tuple[int, int], ...],
    high_a: tuple[tuple[int, int], ...] | None,
    low_b: tuple[tuple[int, int], ...],
    high_b: tuple[tuple[int, int], ...] | None,
) -> None:
    a, b = Interval(low_a, high_a), Interval(low_b, high_b)
    assert a.overlaps(b) == b.overlaps(a)


def test_prose_bounds_read_before_through_and_earlier() -> None:
    text = (
        "Widget before 1.2.7 and 1.3.x before 1.3.1, Gadget 1.1.7 and earlier, "
        "through 0.23.0, and prior to version 2.4.9 are affected."
    )
    assert prose_bounds(text) == [
        ("1.2.7", False),
        ("1.3.1", False),
        ("1.1.7", True),
        ("0.23.0", True),
        ("2.4.9", False),
    ]
