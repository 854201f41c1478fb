"""The stored form of an embargo gives back the same value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from akrites.domain.embargo import (
    Breach,
    BreakReason,
    Embargo,
    Ending,
    EndKind,
    Party,
    PartyRole,
    Proposal,
)
from akrites.domain.embargo_codec import embargo_from_json, embargo_to_json
from akrites.domain.policy import OrgId

moments = st.integers(0, 10**6).map(
    lambda s: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=s)
)
orgs = st.integers(1, 9).map(OrgId)
parties = st.frozensets(st.builds(Party, orgs, st.sampled_from(list(PartyRole))), min_size=1)
proposals = st.builds(Proposal, moments, orgs, moments, st.frozensets(orgs))
endings = st.builds(
    Ending,
    st.sampled_from(list(EndKind)),
    moments,
    st.one_of(st.none(), orgs),
    st.text(max_size=20),
)
breaches = st.builds(
    Breach, st.sampled_from(list(BreakReason)), st.text(max_size=40), moments, orgs
)
embargoes = st.builds(
    Embargo,
    parties,
    st.one_of(st.none(), proposals),
    st.one_of(st.none(), moments),
    st.one_of(st.none(), endings),
    st.one_of(st.none(), breaches),
)


@given(embargoes)
def test_round_trip(embargo: Embargo) -> None:
    assert embargo_from_json(embargo_to_json(embargo)) == embargo
