"""TLP 2.0 labels: order, inheritance, and the sharing decision per FIRST's definitions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from akrites.domain.errors import Forbidden, InvalidInput
from akrites.domain.policy import Decision, OrgId, UserId
from akrites.domain.tlp import (
    AUDIENCE,
    COLOURS,
    DEFAULT_CASE_LABEL,
    RESTRICTIVENESS,
    ContentLabel,
    Tlp,
    label,
    label_content,
    max_of,
    may_share,
    parse,
    relabel_case,
    render_markdown,
    restrictiveness,
)

labels = st.sampled_from(list(Tlp))
SIRT, MAINTAINERS, VENDOR, OUTSIDER = OrgId(1), OrgId(2), OrgId(3), OrgId(9)
CASE_ORGS = frozenset({SIRT, MAINTAINERS, VENDOR})


def share(
    tlp: Tlp, *, to: int | None, org: OrgId | None, named: frozenset[int] = frozenset()
) -> Decision:
    return may_share(
        tlp,
        sharer_org=MAINTAINERS,
        recipient_user=None if to is None else UserId(to),
        recipient_org=org,
        named_recipients=frozenset(UserId(n) for n in named),
        case_participant_orgs=CASE_ORGS,
    )


def test_labels_are_spelled_as_first_spells_them() -> None:
    assert [label(t) for t in Tlp] == [
        "TLP:CLEAR",
        "TLP:GREEN",
        "TLP:AMBER",
        "TLP:AMBER+STRICT",
        "TLP:RED",
    ]
    assert Tlp.AMBER_STRICT.value == "AMBER+STRICT"


def test_order_runs_from_clear_to_red() -> None:
    assert sorted(Tlp, key=restrictiveness) == [
        Tlp.CLEAR,
        Tlp.GREEN,
        Tlp.AMBER,
        Tlp.AMBER_STRICT,
        Tlp.RED,
    ]
    assert set(RESTRICTIVENESS) == set(Tlp) == set(AUDIENCE) == set(COLOURS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TLP:AMBER+STRICT", Tlp.AMBER_STRICT),
        ("amber+strict", Tlp.AMBER_STRICT),
        (" tlp:red ", Tlp.RED),
        ("TLP: GREEN", Tlp.GREEN),
        ("AMBER_STRICT", Tlp.AMBER_STRICT),
        ("TLP:WHITE", Tlp.CLEAR),
        ("clear", Tlp.CLEAR),
    ],
)
def test_parse_reads_labels_as_people_write_them(text: str, expected: Tlp) -> None:
    assert parse(text) is expected


def test_parse_rejects_an_unknown_label_naming_the_field() -> None:
    with pytest.raises(InvalidInput, match="'TLP:PURPLE' is not a TLP label") as caught:
        parse("TLP:PURPLE")
    assert caught.value.field == "tlp"


@given(labels)
def test_parse_reads_back_every_label(tlp: Tlp) -> None:
    assert parse(label(tlp)) is tlp
    assert parse(tlp.value.lower()) is tlp


@given(labels, labels)
def test_max_of_is_commutative_and_never_less_strict_than_either(a: Tlp, b: Tlp) -> None:
    m = max_of(a, b)
    assert m is max_of(b, a)
    assert m in {a, b}
    assert restrictiveness(m) >= restrictiveness(a)
    assert restrictiveness(m) >= restrictiveness(b)


@given(labels, labels, labels)
def test_max_of_is_associative(a: Tlp, b: Tlp, c: Tlp) -> None:
    assert max_of(max_of(a, b), c) is max_of(a, max_of(b, c))


@given(labels)
def test_max_of_is_idempotent_and_clear_is_neutral(a: Tlp) -> None:
    assert max_of(a, a) is a
    assert max_of(a, Tlp.CLEAR) is a
    assert max_of(a, Tlp.RED) is Tlp.RED


def test_new_cases_are_confidential_by_default() -> None:
    assert DEFAULT_CASE_LABEL is Tlp.AMBER_STRICT


def test_content_without_a_label_inherits_the_case_label() -> None:
    chosen = label_content(Tlp.AMBER, None, may_lower=False)
    assert chosen == ContentLabel()
    assert chosen.effective(Tlp.AMBER) is Tlp.AMBER
    assert chosen.effective(Tlp.RED) is Tlp.RED


def test_content_may_be_stricter_than_its_case() -> None:
    chosen = label_content(Tlp.GREEN, Tlp.RED, may_lower=False)
    assert chosen.effective(Tlp.GREEN) is Tlp.RED


def test_only_a_coordinator_may_lower_content_below_the_case() -> None:
    with pytest.raises(Forbidden, match="only a coordinator may lower it") as caught:
        label_content(Tlp.RED, Tlp.CLEAR, may_lower=False)
    assert caught.value.field == "tlp"
    lowered = label_content(Tlp.RED, Tlp.CLEAR, may_lower=True)
    assert lowered == ContentLabel(own=Tlp.CLEAR, lowered=True)
    assert lowered.effective(Tlp.RED) is Tlp.CLEAR


def test_raising_the_case_label_raises_content_that_was_not_deliberately_lowered() -> None:
    same = label_content(Tlp.AMBER, Tlp.AMBER, may_lower=False)
    lowered = label_content(Tlp.AMBER, Tlp.CLEAR, may_lower=True)
    assert same.effective(Tlp.RED) is Tlp.RED
    assert lowered.effective(Tlp.RED) is Tlp.CLEAR


@given(labels, st.none() | labels, labels)
def test_content_is_never_less_strict_than_its_case_unless_lowered(
    case_label: Tlp, requested: Tlp | None, later_case: Tlp
) -> None:
    try:
        chosen = label_content(case_label, requested, may_lower=False)
    except Forbidden:
        assert requested is not None
        assert restrictiveness(requested) < restrictiveness(case_label)
        return
    assert not chosen.lowered
    effective = chosen.effective(later_case)
    assert restrictiveness(effective) >= restrictiveness(later_case)


def test_only_a_coordinator_may_lower_a_case() -> None:
    assert relabel_case(Tlp.GREEN, Tlp.RED, may_lower=False) is Tlp.RED
    with pytest.raises(Forbidden, match=r"lower a case from TLP:RED to TLP:GREEN"):
        relabel_case(Tlp.RED, Tlp.GREEN, may_lower=False)
    assert relabel_case(Tlp.RED, Tlp.GREEN, may_lower=True) is Tlp.GREEN


def test_clear_may_be_shared_with_anyone_even_the_public() -> None:
    assert share(Tlp.CLEAR, to=None, org=None)
    assert share(Tlp.CLEAR, to=5, org=OUTSIDER)


def test_green_stays_in_the_community_never_public() -> None:
    assert share(Tlp.GREEN, to=5, org=OUTSIDER)
    assert share(Tlp.GREEN, to=5, org=None)
    decision = share(Tlp.GREEN, to=None, org=None)
    assert not decision
    assert "never shown publicly" in decision.reason


def test_amber_reaches_the_organisations_read_in_to_the_case() -> None:
    assert share(Tlp.AMBER, to=5, org=MAINTAINERS)
    assert share(Tlp.AMBER, to=5, org=VENDOR)
    decision = share(Tlp.AMBER, to=5, org=OUTSIDER)
    assert not decision
    assert "read this one in" in decision.reason
    assert not share(Tlp.AMBER, to=5, org=None)


def test_amber_strict_stays_within_the_sharers_own_organisation() -> None:
    assert share(Tlp.AMBER_STRICT, to=5, org=MAINTAINERS)
    decision = share(Tlp.AMBER_STRICT, to=5, org=VENDOR)  # read in, but another organisation
    assert not decision
    assert "only within your own organisation" in decision.reason
    assert not share(Tlp.AMBER_STRICT, to=5, org=None)
    no_org = may_share(
        Tlp.AMBER_STRICT, sharer_org=None, recipient_user=UserId(5), recipient_org=None
    )
    assert not no_org


def test_red_goes_to_named_recipients_only() -> None:
    assert share(Tlp.RED, to=5, org=OUTSIDER, named=frozenset({5}))
    colleague = share(Tlp.RED, to=6, org=MAINTAINERS, named=frozenset({5}))
    assert not colleague
    assert "named recipients only" in colleague.reason
    assert not share(Tlp.RED, to=None, org=None, named=frozenset({5}))


def test_a_named_recipient_may_see_amber_strict_from_another_organisation() -> None:
    assert share(Tlp.AMBER_STRICT, to=5, org=OUTSIDER, named=frozenset({5}))


recipients = st.none() | st.integers(1, 6)
orgs = st.none() | st.sampled_from([SIRT, MAINTAINERS, VENDOR, OUTSIDER])
named_sets = st.frozensets(st.integers(1, 6), max_size=3)


@given(labels, labels, recipients, orgs, orgs, named_sets)
def test_a_stricter_label_never_allows_what_a_looser_one_refuses(
    a: Tlp,
    b: Tlp,
    to: int | None,
    sharer: OrgId | None,
    org: OrgId | None,
    named: frozenset[int],
) -> None:
    looser, stricter = sorted((a, b), key=restrictiveness)

    def allowed(tlp: Tlp) -> bool:
        return may_share(
            tlp,
            sharer_org=sharer,
            recipient_user=None if to is None else UserId(to),
            recipient_org=org,
            named_recipients=frozenset(UserId(n) for n in named),
            case_participant_orgs=CASE_ORGS,
        ).allowed

    if allowed(stricter):
        assert allowed(looser)


@given(labels.filter(lambda t: t is not Tlp.CLEAR), orgs, named_sets)
def test_nothing_but_clear_is_ever_public(
    tlp: Tlp, sharer: OrgId | None, named: frozenset[int]
) -> None:
    decision = may_share(
        tlp,
        sharer_org=sharer,
        recipient_user=None,
        recipient_org=None,
        named_recipients=frozenset(UserId(n) for n in named),
        case_participant_orgs=CASE_ORGS,
    )
    assert not decision
    assert decision.reason.startswith(label(tlp))


def test_reference_lists_every_label() -> None:
    doc = render_markdown()
    for tlp in Tlp:
        assert f"`{label(tlp)}`" in doc
