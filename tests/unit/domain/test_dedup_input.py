"""What the engine reads from an intake report."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from akrites.domain.dedup.model import EventKind, RangeEvent
from akrites.domain.dedup_input import engine_report, osv_package_name, vers_to_range
from akrites.domain.intake import parse_report


@pytest.mark.parametrize(
    ("purl", "name"),
    [
        ("pkg:pypi/django", "django"),
        ("pkg:npm/%40angular/core", "@angular/core"),
        ("pkg:golang/golang.org/x/net", "golang.org/x/net"),
        ("pkg:maven/org.apache.logging.log4j/log4j-core", "org.apache.logging.log4j:log4j-core"),
        ("pkg:composer/guzzlehttp/guzzle", "guzzlehttp/guzzle"),
        ("pkg:cargo/rustls", "rustls"),
    ],
)
def test_osv_names(purl: str, name: str) -> None:
    assert osv_package_name(purl) == name


def test_vers_becomes_events() -> None:
    rng, exact = vers_to_range("vers:pypi/>=4.2|<4.2.17|=5.0.1")
    assert rng is not None
    assert rng.events == (
        RangeEvent(EventKind.INTRODUCED, "4.2"),
        RangeEvent(EventKind.FIXED, "4.2.17"),
    )
    assert exact == ("5.0.1",)
    upper_only, _ = vers_to_range("vers:npm/<1.2.3")
    assert upper_only is not None
    assert upper_only.events[0] == RangeEvent(EventKind.INTRODUCED, "0")


@given(st.lists(st.sampled_from(["1.0", "2.0", "3.1", "4.5.6"]), min_size=1, max_size=4))
def test_every_upper_bound_follows_an_opening(versions: list[str]) -> None:
    vers = "vers:pypi/" + "|".join(f"<{v}" for v in versions)
    rng, _ = vers_to_range(vers)
    assert rng is not None
    kinds = [e.kind for e in rng.events]
    for i, kind in enumerate(kinds):
        if kind is EventKind.FIXED:
            assert kinds[i - 1] is EventKind.INTRODUCED


def test_engine_report_carries_identity_text_and_references() -> None:
    draft = parse_report(
        {
            "schema_version": "1.0",
            "title": "XSS in widget",
            "description": "Stored XSS.",
            "affected": [
                {
                    "purl": "pkg:npm/%40scope/widget",
                    "ranges": [{"type": "vers", "vers": "vers:npm/>=1.0.0|<1.4.2"}],
                }
            ],
            "cwes": ["CWE-79"],
            "references": [{"url": "https://github.com/scope/widget/pull/12", "type": "fix"}],
            "locations": [{"file": "src/render.js", "function": "renderLabel"}],
        }
    )
    report = engine_report(draft, report_id="AKR-1", submitter="7")
    assert report.packages[0].ecosystem == "npm"
    assert report.packages[0].name == "@scope/widget"
    assert report.packages[0].ranges[0].events[-1] == RangeEvent(EventKind.FIXED, "1.4.2")
    assert "renderLabel" in report.text
    assert report.references == ("https://github.com/scope/widget/pull/12",)
    assert report.cwes == ("CWE-79",)


def test_stored_documents_give_the_same_engine_input_as_drafts() -> None:
    from akrites.domain.dedup_input import engine_report_from_document
    from akrites.domain.intake import draft_to_json

    draft = parse_report(
        {
            "schema_version": "1.0",
            "title": "Heap overflow",
            "description": "Overflow in decode.",
            "affected": [
                {
                    "purl": "pkg:cargo/hyper",
                    "ranges": [{"type": "vers", "vers": "vers:cargo/>=0.14.0|<0.14.28"}],
                },
                {
                    "purl": "pkg:golang/golang.org/x/net",
                    "ranges": [
                        {"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "0.23.0"}]}
                    ],
                    "versions": ["0.22.0"],
                },
            ],
            "cwes": ["CWE-122"],
            "poc": "curl -H 'Transfer-Encoding: chunked'",
            "references": [{"url": "https://github.com/hyperium/hyper/pull/3", "type": "fix"}],
            "locations": [{"file": "src/proto/h1/decode.rs", "function": "decode_chunked"}],
            "aliases": ["GHSA-xxxx-yyyy-zzzz"],
        }
    )
    direct = engine_report(draft, report_id="AKR-9", submitter="3")
    stored = engine_report_from_document(draft_to_json(draft), report_id="AKR-9", submitter="3")
    assert stored == direct
