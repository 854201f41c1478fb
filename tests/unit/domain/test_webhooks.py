"""Signed webhooks: the documented scheme, every rejection, rotation, and tamper-evidence."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from akrites.domain.webhooks import (
    DELIVERY,
    SIGNATURE,
    TIMESTAMP,
    MalformedHeader,
    MissingHeader,
    ReplayedDelivery,
    SignatureMismatch,
    StaleTimestamp,
    WebhookRejected,
    new_secret,
    sign,
    verify,
)

SECRET = b"s" * 32
OLD, NEW = b"o" * 32, b"n" * 32
BODY = b'{"event":"case.message_added","case":"AK-2026-0042"}'
T = 1_780_000_000
ID = "d1b2c3d4-0000-4000-8000-000000000001"


def never_seen(delivery_id: str) -> bool:
    return False


def check(
    headers: dict[str, str],
    *,
    body: bytes = BODY,
    secret: bytes | list[bytes] = SECRET,
    now: int = T,
) -> None:
    verify(secret, body, headers, now=now, seen=never_seen)


def test_the_signature_is_the_documented_hmac() -> None:
    headers = sign(SECRET, BODY, timestamp=T, delivery_id=ID)
    expected = hmac.new(SECRET, f"{T}.{ID}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert headers == {
        SIGNATURE: f"t={T},v1={expected}",
        TIMESTAMP: str(T),
        DELIVERY: ID,
    }
    assert (SIGNATURE, TIMESTAMP, DELIVERY) == (
        "Akrites-Signature",
        "Akrites-Timestamp",
        "Akrites-Delivery",
    )


def test_a_good_delivery_verifies_and_records_its_id() -> None:
    recorded: list[str] = []

    def seen(delivery_id: str) -> bool:
        recorded.append(delivery_id)
        return False

    verify(SECRET, BODY, sign(SECRET, BODY, timestamp=T, delivery_id=ID), now=T + 10, seen=seen)
    assert recorded == [ID]


def test_header_names_are_matched_case_insensitively() -> None:
    headers = {k.lower(): v for k, v in sign(SECRET, BODY, timestamp=T, delivery_id=ID).items()}
    check(headers)


@pytest.mark.parametrize("name", [SIGNATURE, TIMESTAMP, DELIVERY])
def test_each_missing_header_is_named(name: str) -> None:
    headers = sign(SECRET, BODY, timestamp=T, delivery_id=ID)
    del headers[name]
    with pytest.raises(MissingHeader, match=f"the {name} header is missing") as caught:
        check(headers)
    assert caught.value.field == name
    assert caught.value.code == "webhook_missing_header"
    assert caught.value.status == 401


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "garbage",
        f"v1={'a' * 64}",  # no t
        f"t={T}",  # no v1
        f"t={T},t={T},v1={'a' * 64}",
        f"t=+{T},v1={'a' * 64}",
        f"t=0{T},v1={'a' * 64}",
        f"t={T},v1={'A' * 64}",  # hex must be lowercase
        f"t={T},v1={'a' * 63}",
        f"t={T}, v1={'a' * 64}",  # no spaces
        f"t={T},v2={'a' * 64}",  # an unknown scheme alone is not enough
    ],
)
def test_a_malformed_signature_header_is_rejected(signature: str) -> None:
    headers = sign(SECRET, BODY, timestamp=T, delivery_id=ID) | {SIGNATURE: signature}
    with pytest.raises(MalformedHeader) as caught:
        check(headers)
    assert caught.value.field == SIGNATURE


def test_unknown_schemes_are_ignored_beside_a_good_v1() -> None:
    headers = sign(SECRET, BODY, timestamp=T, delivery_id=ID)
    headers[SIGNATURE] += ",v2=future"
    check(headers)


def test_the_timestamp_header_must_match_the_signed_one() -> None:
    headers = sign(SECRET, BODY, timestamp=T, delivery_id=ID) | {TIMESTAMP: str(T + 1)}
    with pytest.raises(MalformedHeader, match="does not match") as caught:
        check(headers)
    assert caught.value.field == TIMESTAMP


def test_a_delivery_id_outside_the_alphabet_is_malformed() -> None:
    headers = sign(SECRET, BODY, timestamp=T, delivery_id=ID) | {DELIVERY: "a.b"}
    with pytest.raises(MalformedHeader) as caught:
        check(headers)
    assert caught.value.field == DELIVERY


@pytest.mark.parametrize("skew", [301, -301, 10_000])
def test_a_timestamp_outside_the_tolerance_is_stale(skew: int) -> None:
    headers = sign(SECRET, BODY, timestamp=T, delivery_id=ID)
    with pytest.raises(StaleTimestamp, match="at most 300") as caught:
        check(headers, now=T + skew)
    assert caught.value.field == TIMESTAMP
    check(headers, now=T + 300)
    check(headers, now=T - 300)


def test_the_tolerance_is_configurable() -> None:
    headers = sign(SECRET, BODY, timestamp=T, delivery_id=ID)
    verify(SECRET, BODY, headers, now=T + 1000, tolerance=1000, seen=never_seen)
    with pytest.raises(StaleTimestamp):
        verify(SECRET, BODY, headers, now=T + 61, tolerance=60, seen=never_seen)


def test_a_tampered_body_or_wrong_secret_is_a_signature_mismatch() -> None:
    headers = sign(SECRET, BODY, timestamp=T, delivery_id=ID)
    with pytest.raises(SignatureMismatch) as caught:
        check(headers, body=BODY + b" ")
    assert caught.value.field == SIGNATURE
    with pytest.raises(SignatureMismatch):
        check(headers, secret=b"x" * 32)


def test_a_replayed_delivery_is_rejected_after_the_signature_checks() -> None:
    delivered: set[str] = set()

    def seen(delivery_id: str) -> bool:
        if delivery_id in delivered:
            return True
        delivered.add(delivery_id)
        return False

    headers = sign(SECRET, BODY, timestamp=T, delivery_id=ID)
    verify(SECRET, BODY, headers, now=T, seen=seen)
    with pytest.raises(ReplayedDelivery, match=f"delivery {ID} was already received") as caught:
        verify(SECRET, BODY, headers, now=T + 5, seen=seen)
    assert caught.value.field == DELIVERY


def test_forged_deliveries_never_reach_the_replay_store() -> None:
    calls: list[str] = []

    def seen(delivery_id: str) -> bool:
        calls.append(delivery_id)
        return False

    headers = sign(b"attacker-secret!", BODY, timestamp=T, delivery_id=ID)
    with pytest.raises(SignatureMismatch):
        verify(SECRET, BODY, headers, now=T, seen=seen)
    with pytest.raises(StaleTimestamp):
        verify(
            SECRET, BODY, sign(SECRET, BODY, timestamp=T, delivery_id=ID), now=T + 999, seen=seen
        )
    assert calls == []


def test_rotation_signs_with_every_active_secret_and_either_verifies() -> None:
    headers = sign([OLD, NEW], BODY, timestamp=T, delivery_id=ID)
    assert len(re.findall(r"v1=[0-9a-f]{64}", headers[SIGNATURE])) == 2
    check(headers, secret=OLD)
    check(headers, secret=NEW)
    check(headers, secret=[NEW, b"z" * 32])
    with pytest.raises(SignatureMismatch):
        check(headers, secret=b"z" * 32)
    # A receiver holding both secrets accepts a delivery signed with only the new one.
    check(sign(NEW, BODY, timestamp=T, delivery_id=ID), secret=[OLD, NEW])


def test_bad_secrets_ids_and_tolerances_are_programming_errors() -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        sign(b"short", BODY, timestamp=T, delivery_id=ID)
    with pytest.raises(ValueError, match="at least one"):
        sign([], BODY, timestamp=T, delivery_id=ID)
    with pytest.raises(ValueError, match="delivery id"):
        sign(SECRET, BODY, timestamp=T, delivery_id="has.dot")
    with pytest.raises(ValueError, match="not negative"):
        sign(SECRET, BODY, timestamp=-1, delivery_id=ID)
    with pytest.raises(ValueError, match="not negative"):
        verify(SECRET, BODY, {}, now=T, tolerance=-1, seen=never_seen)


def test_new_secrets_are_long_and_distinct() -> None:
    first, second = new_secret(), new_secret()
    assert len(first) == 32
    assert first != second


secrets = st.binary(min_size=16, max_size=64)
bodies = st.binary(max_size=2048)
delivery_ids = st.from_regex(r"[A-Za-z0-9_-]{1,128}", fullmatch=True)
timestamps = st.integers(0, 10**11)


@given(secrets, bodies, timestamps, delivery_ids, st.integers(-300, 300))
def test_verify_accepts_whatever_sign_produced(
    secret: bytes, body: bytes, timestamp: int, delivery_id: str, skew: int
) -> None:
    headers = sign(secret, body, timestamp=timestamp, delivery_id=delivery_id)
    verify(secret, body, headers, now=timestamp + skew, seen=never_seen)


@given(secrets, bodies.filter(bool), st.data())
def test_any_single_byte_change_to_the_body_fails(
    secret: bytes, body: bytes, data: st.DataObject
) -> None:
    headers = sign(secret, body, timestamp=T, delivery_id=ID)
    index = data.draw(st.integers(0, len(body) - 1))
    value = data.draw(st.integers(0, 255).filter(lambda b: b != body[index]))
    tampered = body[:index] + bytes([value]) + body[index + 1 :]
    with pytest.raises(SignatureMismatch):
        verify(secret, tampered, headers, now=T, seen=never_seen)


@given(secrets, bodies, delivery_ids, st.sampled_from([SIGNATURE, TIMESTAMP, DELIVERY]), st.data())
def test_any_single_byte_change_to_a_header_fails(
    secret: bytes, body: bytes, delivery_id: str, name: str, data: st.DataObject
) -> None:
    headers = sign(secret, body, timestamp=T, delivery_id=delivery_id)
    value = headers[name]
    index = data.draw(st.integers(0, len(value) - 1))
    replacement = data.draw(st.characters(codec="ascii").filter(lambda c: c != value[index]))
    headers[name] = value[:index] + replacement + value[index + 1 :]
    with pytest.raises(WebhookRejected):
        verify(secret, body, headers, now=T, seen=never_seen)
