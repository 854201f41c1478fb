"""Where webhooks may go (no server-side request forgery), how often they are retried, and
the content-free body that is signed."""

from __future__ import annotations

import ipaddress
import itertools
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from akrites.domain.case_events import CaseEvent, EventBody, UnknownEvent, parse_event
from akrites.domain.errors import InvalidInput
from akrites.domain.webhook_endpoints import (
    LONGEST_RETRY,
    MAX_ATTEMPTS,
    CredentialsInUrl,
    InsecureUrl,
    MalformedUrl,
    PrivateAddress,
    address_refusal,
    check_addresses,
    delivered,
    gives_up_after,
    grace_period,
    new_delivery_id,
    new_secret_text,
    parse_target,
    retry_delay,
    secret_key,
)
from akrites.domain.webhooks import sign, verify


def test_a_public_https_url_is_accepted_and_normalised() -> None:
    target = parse_target("  HTTPS://Hooks.Example.ORG:8443/akrites?x=1 ", allow_loopback=False)
    assert target.url == "https://hooks.example.org:8443/akrites?x=1"
    assert (target.host, target.port, target.address) == ("hooks.example.org", 8443, None)
    assert parse_target("https://93.184.215.14", allow_loopback=False).url == (
        "https://93.184.215.14/"
    )


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://hooks.example.org/akrites", InsecureUrl),
        ("https://169.254.169.254/latest/meta-data/", PrivateAddress),  # cloud metadata
        ("https://10.1.2.3/", PrivateAddress),
        ("https://192.168.0.10/", PrivateAddress),
        ("https://172.16.0.1/", PrivateAddress),
        ("https://100.64.0.1/", PrivateAddress),  # carrier-grade NAT: not public
        ("https://[fd00::1]/", PrivateAddress),
        ("https://[fe80::1]/", PrivateAddress),
        ("https://[::ffff:10.0.0.1]/", PrivateAddress),  # IPv4-mapped
        ("https://[64:ff9b::a00:1]/", PrivateAddress),  # NAT64 of 10.0.0.1
        ("https://0.0.0.0/", PrivateAddress),
        ("https://224.0.0.1/", PrivateAddress),
        ("https://127.0.0.1/", PrivateAddress),
        ("https://[::1]/", PrivateAddress),
        ("https://localhost/", PrivateAddress),
        ("https://db.localhost/", PrivateAddress),
        ("https://intranet/", PrivateAddress),
        ("https://metadata.google.internal/", PrivateAddress),
        ("https://printer.local/", PrivateAddress),
        ("https://2130706433/", MalformedUrl),  # 127.0.0.1 in disguise
        ("https://0x7f.1/", MalformedUrl),
        ("https://user:pw@hooks.example.org/", CredentialsInUrl),
        ("https://hooks.example.org/#frag", MalformedUrl),
        ("ftp://hooks.example.org/", MalformedUrl),
        ("hooks.example.org/akrites", MalformedUrl),
        ("https://hooks.example.org:99999/", MalformedUrl),
        ("https://hooks example.org/", MalformedUrl),
        ("https://hooks_bad.example.org/", MalformedUrl),
        ("", MalformedUrl),
        ("https://x.example.org/" + "a" * 2000, MalformedUrl),
    ],
)
def test_internal_or_unsafe_urls_are_refused_with_a_specific_error(
    url: str, error: type[InvalidInput]
) -> None:
    with pytest.raises(error) as caught:
        parse_target(url, allow_loopback=False, field="url")
    assert caught.value.field == "url"
    assert caught.value.status == 422


def test_loopback_over_http_only_when_allowed() -> None:
    assert parse_target("http://127.0.0.1:8080/hook", allow_loopback=True).port == 8080
    assert parse_target("http://localhost:8080/hook", allow_loopback=True).host == "localhost"
    assert parse_target("http://[::1]:8080/hook", allow_loopback=True).url == (
        "http://[::1]:8080/hook"
    )
    with pytest.raises(PrivateAddress):
        parse_target("http://127.0.0.1:8080/hook", allow_loopback=False)
    # Allowing loopback allows nothing else that is internal.
    with pytest.raises(PrivateAddress):
        parse_target("https://10.0.0.1/", allow_loopback=True)
    with pytest.raises(InsecureUrl):
        parse_target("http://hooks.example.org/", allow_loopback=True)


def test_a_name_is_refused_if_any_of_its_addresses_is_internal() -> None:
    public = ipaddress.ip_address("93.184.215.14")
    internal = ipaddress.ip_address("10.0.0.7")
    check_addresses("hooks.example.org", [public], allow_loopback=False)
    with pytest.raises(PrivateAddress, match=r"10\.0\.0\.7"):
        check_addresses("hooks.example.org", [public, internal], allow_loopback=False)
    with pytest.raises(PrivateAddress):
        check_addresses("hooks.example.org", [], allow_loopback=False)


@given(st.ip_addresses())
def test_only_global_addresses_are_reachable(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> None:
    refused = address_refusal(address, allow_loopback=False)
    if refused is None:
        assert address.is_global
        assert not address.is_multicast


def test_retries_double_from_one_minute_and_give_up_after_eight_attempts() -> None:
    delays = [retry_delay(n) for n in range(1, MAX_ATTEMPTS)]
    assert delays[0] == timedelta(minutes=1)
    assert all(b == min(2 * a, LONGEST_RETRY) for a, b in itertools.pairwise(delays))
    assert retry_delay(50) == LONGEST_RETRY
    assert not gives_up_after(MAX_ATTEMPTS - 1)
    assert gives_up_after(MAX_ATTEMPTS)
    with pytest.raises(ValueError, match="from 1"):
        retry_delay(0)


def test_only_2xx_counts_as_delivered() -> None:
    assert delivered(200)
    assert delivered(204)
    assert not delivered(301)  # redirects are not followed
    assert not delivered(404)
    assert not delivered(500)


def test_grace_period_is_bounded() -> None:
    assert grace_period(None) == timedelta(hours=24)
    assert grace_period(0) == timedelta(0)
    with pytest.raises(InvalidInput) as caught:
        grace_period(24 * 8)
    assert caught.value.field == "grace_hours"


def test_the_shown_secret_is_the_hmac_key_and_ids_fit_the_signing_rules() -> None:
    secret = new_secret_text()
    assert secret.startswith("whsec_")
    assert secret != new_secret_text()
    body = b'{"event":"case.message"}'
    headers = sign(secret_key(secret), body, timestamp=1_800_000_000, delivery_id=new_delivery_id())
    verify(secret.encode("ascii"), body, headers, now=1_800_000_000, seen=lambda _: False)


def test_the_body_names_the_event_case_and_link_only() -> None:
    body = EventBody(
        event=CaseEvent.MESSAGE.value,
        case="AK-2026-0042",
        url="https://akrites.example/cases/AK-2026-0042/messages/",
        delivery_id="dlv_1",
        occurred_at=datetime(2026, 5, 1, 12, 0, 7, 999, tzinfo=UTC),
    ).to_bytes()
    assert json.loads(body) == {
        "event": "case.message",
        "case": "AK-2026-0042",
        "url": "https://akrites.example/cases/AK-2026-0042/messages/",
        "delivery_id": "dlv_1",
        "occurred_at": "2026-05-01T12:00:07Z",
    }


def test_unknown_events_are_a_programming_error() -> None:
    assert parse_event("case.message") is CaseEvent.MESSAGE
    with pytest.raises(UnknownEvent, match=r"case\.message"):
        parse_event("case.mesage")
