"""The embargo value as JSON (to seal and store) and back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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
from akrites.domain.policy import OrgId


def _t(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _d(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _need(value: object) -> datetime:
    moment = _d(value)
    if moment is None:
        raise ValueError("a stored embargo is missing a required time")
    return moment


def embargo_to_json(e: Embargo) -> dict[str, Any]:
    return {
        "parties": sorted(
            ({"org": int(p.org_id), "role": p.role.value} for p in e.parties),
            key=lambda p: (p["org"], p["role"]),
        ),
        "proposal": None
        if e.proposal is None
        else {
            "end_at": _t(e.proposal.end_at),
            "by": int(e.proposal.proposed_by),
            "at": _t(e.proposal.proposed_at),
            "accepted_by": sorted(int(o) for o in e.proposal.accepted_by),
        },
        "end_at": _t(e.end_at),
        "ended": None
        if e.ended is None
        else {
            "kind": e.ended.kind.value,
            "at": _t(e.ended.at),
            "by": None if e.ended.by is None else int(e.ended.by),
            "reason": e.ended.reason,
        },
        "broken": None
        if e.broken is None
        else {
            "reason": e.broken.reason.value,
            "detail": e.broken.detail,
            "at": _t(e.broken.at),
            "by": int(e.broken.by),
        },
    }


def embargo_from_json(d: dict[str, Any]) -> Embargo:
    proposal = d.get("proposal")
    ended = d.get("ended")
    broken = d.get("broken")
    return Embargo(
        parties=frozenset(Party(OrgId(p["org"]), PartyRole(p["role"])) for p in d["parties"]),
        proposal=None
        if not proposal
        else Proposal(
            end_at=_need(proposal["end_at"]),
            proposed_by=OrgId(proposal["by"]),
            proposed_at=_need(proposal["at"]),
            accepted_by=frozenset(OrgId(o) for o in proposal["accepted_by"]),
        ),
        end_at=_d(d.get("end_at")),
        ended=None
        if not ended
        else Ending(
            kind=EndKind(ended["kind"]),
            at=_need(ended["at"]),
            by=None if ended["by"] is None else OrgId(ended["by"]),
            reason=ended["reason"],
        ),
        broken=None
        if not broken
        else Breach(
            reason=BreakReason(broken["reason"]),
            detail=broken["detail"],
            at=_need(broken["at"]),
            by=OrgId(broken["by"]),
        ),
    )
