"""Signed webhooks: how Akrites signs each delivery to an organisation's own tooling, and
how the receiving side verifies it. This docstring is the specification for receivers.

Every delivery is an HTTP POST whose body is sent as is, with three headers::

    Akrites-Delivery:  <delivery id>      1-128 of A-Z a-z 0-9 _ -  (unique per delivery)
    Akrites-Timestamp: <unix seconds>     when it was signed, decimal, no leading zeros
    Akrites-Signature: t=<unix seconds>,v1=<64 lowercase hex>[,v1=<64 lowercase hex>...]

Each ``v1`` is HMAC-SHA256, keyed with one of the organisation's webhook secrets (the raw
bytes), over the bytes ``<t>.<delivery id>.`` followed by the body, unchanged. While a
secret is being rotated, Akrites signs with every active secret, so there is one ``v1``
per secret; a receiver accepts the delivery if any ``v1`` matches any secret it holds.
Unknown schemes (``v2=``...) are ignored, so stronger ones can be added later.

To verify, a receiver:

1. rejects the delivery if a header is missing or not exactly in the form above, or if
   ``Akrites-Timestamp`` differs from ``t``;
2. rejects it if ``t`` is more than 300 seconds (the tolerance) from its own clock;
3. computes the HMAC for each of its secrets and compares it with each ``v1`` using a
   constant-time comparison (``hmac.compare_digest``), rejecting it if none matches;
4. only then checks the delivery id against the ids it has accepted within the tolerance
   window, rejecting a replay, and records the id.

The timestamp bounds how long a captured delivery stays usable; the delivery id stops a
replay inside that window. Both are signed, and delivery ids cannot contain ``.``, so no
two different (timestamp, id, body) triples sign the same bytes. :func:`verify` is this
procedure in Python; :func:`sign` is what Akrites sends.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets as _secrets
from collections.abc import Callable, Mapping, Sequence

from akrites.domain.errors import Unauthenticated

SIGNATURE = "Akrites-Signature"
TIMESTAMP = "Akrites-Timestamp"
DELIVERY = "Akrites-Delivery"
SCHEME = "v1"
DEFAULT_TOLERANCE = 300  # seconds either side of the receiver's clock
MIN_SECRET_BYTES = 16

_DELIVERY_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
_UNIX = re.compile(r"0|[1-9][0-9]{0,11}")
_HEX = re.compile(r"[0-9a-f]{64}")
_KEY = re.compile(r"[a-z0-9]{1,16}")


class WebhookRejected(Unauthenticated):
    """A delivery that must not be acted on. ``field`` names the header at fault."""

    code = "webhook_rejected"


class MissingHeader(WebhookRejected):
    code = "webhook_missing_header"


class MalformedHeader(WebhookRejected):
    code = "webhook_malformed_header"


class StaleTimestamp(WebhookRejected):
    code = "webhook_stale_timestamp"


class SignatureMismatch(WebhookRejected):
    code = "webhook_signature_mismatch"


class ReplayedDelivery(WebhookRejected):
    code = "webhook_replayed_delivery"


def new_secret() -> bytes:
    """A fresh webhook secret (32 random bytes); show it to the organisation once."""
    return _secrets.token_bytes(32)


def _secret_list(secret: bytes | Sequence[bytes]) -> list[bytes]:
    keys = [secret] if isinstance(secret, bytes) else list(secret)
    if not keys:
        raise ValueError("at least one webhook secret is needed")
    if any(len(k) < MIN_SECRET_BYTES for k in keys):
        raise ValueError(f"webhook secrets must be at least {MIN_SECRET_BYTES} bytes")
    return keys


def _digest(key: bytes, timestamp: int, delivery_id: str, body: bytes) -> str:
    signed = f"{timestamp}.{delivery_id}.".encode("ascii") + body
    return hmac.new(key, signed, hashlib.sha256).hexdigest()


def sign(
    secret: bytes | Sequence[bytes], body: bytes, *, timestamp: int, delivery_id: str
) -> dict[str, str]:
    """The headers to send with ``body``: one ``v1`` per active secret (several while a
    secret is rotated). Secrets and ids are ours, so a bad one is a programming error."""
    keys = _secret_list(secret)
    if not _DELIVERY_ID.fullmatch(delivery_id):
        raise ValueError("a delivery id is 1-128 of A-Z a-z 0-9 _ -")
    if not _UNIX.fullmatch(str(timestamp)):
        raise ValueError("the timestamp is unix seconds, not negative")
    signatures = ",".join(f"{SCHEME}={_digest(k, timestamp, delivery_id, body)}" for k in keys)
    return {
        SIGNATURE: f"t={timestamp},{signatures}",
        TIMESTAMP: str(timestamp),
        DELIVERY: delivery_id,
    }


def _header(headers: Mapping[str, str], name: str) -> str:
    values = {v for k, v in headers.items() if k.lower() == name.lower()}
    if not values:
        raise MissingHeader(f"the {name} header is missing", field=name)
    if len(values) > 1:
        raise MalformedHeader(f"the {name} header is given twice, differently", field=name)
    return values.pop()


def _parse_signature(value: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    candidates: list[str] = []
    for item in value.split(","):
        key, sep, val = item.partition("=")
        if not sep or not _KEY.fullmatch(key):
            raise MalformedHeader(f"{SIGNATURE} is not 't=<unix>,v1=<hex>'", field=SIGNATURE)
        if key == "t":
            if timestamp is not None or not _UNIX.fullmatch(val):
                raise MalformedHeader(f"{SIGNATURE} needs one t=<unix seconds>", field=SIGNATURE)
            timestamp = int(val)
        elif key == SCHEME:
            if not _HEX.fullmatch(val):
                raise MalformedHeader(
                    f"each {SCHEME} in {SIGNATURE} is 64 lowercase hex digits", field=SIGNATURE
                )
            candidates.append(val)
    if timestamp is None or not candidates:
        raise MalformedHeader(f"{SIGNATURE} needs t= and at least one {SCHEME}=", field=SIGNATURE)
    return timestamp, candidates


def verify(
    secret: bytes | Sequence[bytes],
    body: bytes,
    headers: Mapping[str, str],
    *,
    now: int,
    tolerance: int = DEFAULT_TOLERANCE,
    seen: Callable[[str], bool],
) -> None:
    """Accept a delivery or raise the specific :class:`WebhookRejected` subclass.

    ``seen(delivery_id)`` must atomically record the id and return whether it was already
    recorded; it is called only for a delivery whose signature and timestamp are good, so
    forged requests cannot fill the store. Ids need keeping for ``2 * tolerance`` seconds.
    """
    if tolerance < 0:
        raise ValueError("the tolerance is a number of seconds, not negative")
    keys = _secret_list(secret)
    signature = _header(headers, SIGNATURE)
    stamp = _header(headers, TIMESTAMP)
    delivery_id = _header(headers, DELIVERY)
    timestamp, candidates = _parse_signature(signature)
    if stamp != str(timestamp):
        raise MalformedHeader(f"{TIMESTAMP} does not match t= in {SIGNATURE}", field=TIMESTAMP)
    if not _DELIVERY_ID.fullmatch(delivery_id):
        raise MalformedHeader(f"{DELIVERY} is not 1-128 of A-Z a-z 0-9 _ -", field=DELIVERY)
    if abs(now - timestamp) > tolerance:
        raise StaleTimestamp(
            f"the delivery was signed {now - timestamp} seconds from now; "
            f"at most {tolerance} are accepted",
            field=TIMESTAMP,
        )
    expected = [_digest(k, timestamp, delivery_id, body) for k in keys]
    # Compare every pair without stopping early: timing must not reveal which one matched.
    matches = [hmac.compare_digest(e, c) for e in expected for c in candidates]
    if not any(matches):
        raise SignatureMismatch(
            f"no {SCHEME} signature in {SIGNATURE} matches this body with any current secret",
            field=SIGNATURE,
        )
    if seen(delivery_id):
        raise ReplayedDelivery(f"delivery {delivery_id} was already received", field=DELIVERY)
