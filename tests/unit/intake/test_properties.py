"""Properties of intake: digests ignore layout, drafts round-trip, and no input crashes it."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from akrites.domain.formats import load_json, reports_from_json_lines
from akrites.domain.intake import (
    IntakeError,
    ReportDraft,
    canonical_json,
    content_digest,
    draft_to_json,
    parse_report,
)
from tests.unit.intake.factories import TODAY, full_report, minimal_report

# No wall-clock deadline: CI machines vary, and timing is not what these tests are about.
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_LINE_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")),
    min_size=1,
    max_size=60,
).filter(lambda text: text.strip() != "")
_VERSIONS = st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30)).map(
    lambda parts: ".".join(map(str, parts))
)
_VECTORS = [
    {"type": "CVSS_V3", "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
    {"type": "CVSS_V3", "vector": "CVSS:3.0/AV:L/AC:H/PR:L/UI:R/S:C/C:L/I:N/A:N"},
    {
        "type": "CVSS_V4",
        "vector": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N",
    },
]
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def reports(draw: st.DrawFn) -> dict[str, Any]:
    """Valid report documents: PyPI/npm packages with ordered events, and optional fields."""
    versions = sorted(set(draw(st.lists(_VERSIONS, min_size=2, max_size=4))), key=_key)
    if len(versions) < 2:
        versions = ["1.0.0", "2.0.0"]
    kind = draw(st.sampled_from(["pypi", "npm"]))
    package: dict[str, Any] = {
        "purl": f"pkg:{kind}/pkg-{draw(st.integers(0, 999))}",
        "ranges": [
            {
                "type": "ECOSYSTEM",
                "events": [{"introduced": versions[0]}, {"fixed": versions[-1]}],
            },
            {"type": "vers", "vers": f"vers:{kind}/>={versions[0]}|<{versions[-1]}"},
        ],
        "versions": versions[:-1],
    }
    report = minimal_report(
        title=draw(_LINE_TEXT),
        description=draw(_LINE_TEXT),
        affected=[package],
    )
    optional = {
        "reporter_ref": st.from_regex(r"[A-Z]{2,5}-[0-9]{1,6}", fullmatch=True),
        "cwes": st.lists(st.integers(1, 1400), max_size=4, unique=True).map(
            lambda ids: [f"CWE-{n}" for n in ids]
        ),
        "severity": st.sampled_from([[], _VECTORS[:1], _VECTORS[1:]]),
        "credit_as": _LINE_TEXT,
        "poc": _LINE_TEXT,
        "provenance": st.fixed_dictionaries(
            {}, optional={"tool": _LINE_TEXT, "ai_assisted": st.booleans()}
        ),
        "references": st.lists(st.integers(1, 10**6), max_size=3, unique=True).map(
            lambda ns: [{"url": f"https://example.org/issues/{n}"} for n in ns]
        ),
        "x_extra": _JSON,
    }
    for name, strategy in optional.items():
        if draw(st.booleans()):
            report[name] = draw(strategy)
    return report


def _outcome(document: object) -> ReportDraft | IntakeError:
    """The draft, or the IntakeError: anything else escaping parse_report fails the test."""
    try:
        return parse_report(document, today=TODAY)
    except IntakeError as error:
        return error


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _shuffled(value: Any, rng: random.Random) -> Any:
    """The same JSON value with every object's keys in a random order."""
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {key: _shuffled(value[key], rng) for key in keys}
    if isinstance(value, list):
        return [_shuffled(item, rng) for item in value]
    return value


@PROPERTY
@given(document=reports(), rng=st.randoms(), indent=st.sampled_from([None, 0, 2, "\t"]))
def test_digest_ignores_key_order_and_whitespace(
    document: dict[str, Any], rng: random.Random, indent: int | str | None
) -> None:
    draft = parse_report(document, today=TODAY)
    relaid = json.dumps(_shuffled(document, rng), indent=indent)
    again = parse_report(load_json(relaid), today=TODAY)
    assert again == draft
    assert content_digest(again) == content_digest(draft)
    assert canonical_json(again) == canonical_json(draft)


@PROPERTY
@given(document=reports())
def test_parse_of_serialised_draft_is_the_same_draft(document: dict[str, Any]) -> None:
    draft = parse_report(document, today=TODAY)
    assert parse_report(draft_to_json(draft), today=TODAY) == draft


@PROPERTY
@given(document=reports(), ref=st.from_regex(r"[a-z]{3}-[0-9]{3}", fullmatch=True))
def test_digest_ignores_the_reporter_ref_but_not_the_content(
    document: dict[str, Any], ref: str
) -> None:
    draft = parse_report(document, today=TODAY)
    relabelled = parse_report({**document, "reporter_ref": ref}, today=TODAY)
    assert content_digest(relabelled) == content_digest(draft)
    edited = parse_report({**document, "title": document["title"] + " (edited)"}, today=TODAY)
    assert content_digest(edited) != content_digest(draft)


@PROPERTY
@given(document=_JSON)
def test_any_json_value_is_refused_cleanly_or_accepted(document: Any) -> None:
    result = _outcome(document)
    assert isinstance(result, ReportDraft) or result.errors


@PROPERTY
@given(
    vers=st.text(max_size=30),
    version=st.text(max_size=20),
    vector=st.text(max_size=60),
    purl=st.text(max_size=30),
)
def test_arbitrary_strings_in_parsed_fields_never_crash(
    vers: str, version: str, vector: str, purl: str
) -> None:
    documents = [
        minimal_report(
            affected=[{"purl": "pkg:pypi/x", "ranges": [{"type": "vers", "vers": "vers:" + vers}]}]
        ),
        minimal_report(
            affected=[
                {
                    "purl": "pkg:maven/org.x/y",
                    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": version}]}],
                    "versions": [version],
                }
            ]
        ),
        minimal_report(severity=[{"type": "CVSS_V4", "vector": vector}]),
        minimal_report(affected=[{"purl": purl}]),
    ]
    for document in documents:
        result = _outcome(document)
        assert isinstance(result, ReportDraft) or all(e.message for e in result.errors)


@PROPERTY
@given(versions=st.lists(_VERSIONS, min_size=2, max_size=6, unique=True))
def test_events_are_accepted_in_version_order_and_refused_out_of_it(versions: list[str]) -> None:
    ordered = sorted(versions, key=_key)
    pairs = [
        {"introduced" if index % 2 == 0 else "fixed": version}
        for index, version in enumerate(ordered)
    ]
    package = {"purl": "pkg:pypi/x", "ranges": [{"type": "ECOSYSTEM", "events": pairs}]}
    parse_report(minimal_report(affected=[package]), today=TODAY)

    swapped = [*pairs]
    swapped[0], swapped[1] = (
        {"introduced": ordered[1]},
        {"fixed": ordered[0]},
    )
    package["ranges"][0]["events"] = swapped
    with pytest.raises(IntakeError, match="does not come after") as caught:
        parse_report(minimal_report(affected=[package]), today=TODAY)
    assert caught.value.field == "affected[0].ranges[0].events[1]"


@PROPERTY
@given(documents=st.lists(reports(), min_size=1, max_size=4), bad_at=st.integers(0, 3))
def test_json_lines_numbers_the_line_of_each_error(
    documents: list[dict[str, Any]], bad_at: int
) -> None:
    lines = [json.dumps(document) for document in documents]
    bad_at = min(bad_at, len(lines) - 1)
    lines[bad_at] = json.dumps({**documents[bad_at], "title": ""})
    items = reports_from_json_lines("\n".join(lines))
    errors = [item for item in items if isinstance(item, IntakeError)]
    assert [error.line for error in errors] == [bad_at + 1]
    assert errors[0].field == "title"


def test_the_full_example_round_trips() -> None:
    draft = parse_report(full_report(), today=TODAY)
    assert parse_report(draft_to_json(draft), today=TODAY) == draft
    assert len(content_digest(draft)) == 64
