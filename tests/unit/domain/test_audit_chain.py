"""The hash chain detects every edit, deletion and truncation."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from akrites.domain.audit import GENESIS_HASH, ChainEntry, entry_hash, verify_chain


def build(n: int, data: list[dict[str, object]] | None = None) -> list[ChainEntry]:
    entries: list[ChainEntry] = []
    prev = GENESIS_HASH
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(n):
        fields = {
            "seq": i + 1,
            "occurred_at": start + timedelta(seconds=i, microseconds=i),
            "actor_user_id": i % 3 or None,
            "actor_org_id": 1,
            "action": "component.created",
            "target_type": "component",
            "target_id": str(i),
            "data": (data[i] if data else {"n": i}),
            "prev_hash": prev,
        }
        digest = entry_hash(**fields)  # type: ignore[arg-type]
        entries.append(ChainEntry(hash=digest, **fields))  # type: ignore[arg-type]
        prev = digest
    return entries


def check(entries: list[ChainEntry], head: list[ChainEntry] | None = None):  # type: ignore[no-untyped-def]
    ref = head if head is not None else entries
    return verify_chain(entries, head_seq=len(ref), head_hash=ref[-1].hash if ref else GENESIS_HASH)


def test_empty_chain_is_intact() -> None:
    assert check([]).ok


def test_intact_chain_verifies() -> None:
    verdict = check(build(5))
    assert verdict.ok
    assert verdict.checked == 5


@given(n=st.integers(1, 12), data=st.data())
def test_any_edit_is_detected(n: int, data: st.DataObject) -> None:
    entries = build(n)
    i = data.draw(st.integers(0, n - 1))
    field = data.draw(
        st.sampled_from(["action", "target_id", "data", "actor_user_id", "occurred_at"])
    )
    replacement = {
        "action": "component.updated",
        "target_id": "other",
        "data": {"n": -1},
        "actor_user_id": 999,
        "occurred_at": entries[i].occurred_at + timedelta(microseconds=1),
    }[field]
    tampered = list(entries)
    tampered[i] = dataclasses.replace(entries[i], **{field: replacement})
    verdict = check(tampered, head=entries)
    assert not verdict.ok
    assert verdict.first_bad_seq == i + 1


@given(n=st.integers(2, 12), data=st.data())
def test_any_deletion_is_detected(n: int, data: st.DataObject) -> None:
    entries = build(n)
    i = data.draw(st.integers(0, n - 1))
    verdict = check(entries[:i] + entries[i + 1 :], head=entries)
    assert not verdict.ok


def test_truncating_the_tail_is_detected() -> None:
    entries = build(4)
    verdict = check(entries[:3], head=entries)
    assert not verdict.ok
    assert "head records event 4" in verdict.problem


def test_rehashed_forgery_without_the_head_is_detected() -> None:
    """Rewriting a row and recomputing every later hash still disagrees with the head."""
    entries = build(3)
    forged = build(3, data=[{"n": 0}, {"n": "forged"}, {"n": 2}])
    verdict = check(forged, head=entries)
    assert not verdict.ok
