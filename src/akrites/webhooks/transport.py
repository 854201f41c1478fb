"""Sending one signed delivery over HTTP (httpx), to a checked public address only.

The host is resolved here and every address is checked (:func:`check_addresses`); the
connection then goes to the checked address, with the original name in ``Host`` and in TLS
(SNI and certificate check), so a name that re-resolves to an internal address between the
check and the connection (DNS rebinding) gains nothing. Redirects are not followed, proxies
from the environment are not used, and the answer's body is never read.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

from akrites.domain.webhook_endpoints import (
    IPAddress,
    WebhookUrlRefused,
    check_addresses,
    parse_target,
)

CONNECT_TIMEOUT = 5.0
TIMEOUT = 10.0
USER_AGENT = "Akrites-Webhooks/1"
MAX_ERROR = 300


@dataclass(frozen=True, slots=True)
class Outcome:
    status_code: int | None
    error: str
    duration_ms: int


def resolve(host: str, port: int) -> list[IPAddress]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[IPAddress] = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


def _pinned(url: str, address: IPAddress) -> str:
    parts = urlsplit(url)
    host = f"[{address}]" if isinstance(address, ipaddress.IPv6Address) else str(address)
    netloc = f"{host}:{parts.port}" if parts.port is not None else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def _short(text: str) -> str:
    return text if len(text) <= MAX_ERROR else text[: MAX_ERROR - 1] + "…"


def post(url: str, body: bytes, headers: dict[str, str], *, allow_loopback: bool) -> Outcome:
    """POST ``body`` to ``url``; never raises for network trouble: the outcome says."""
    started = time.monotonic()

    def done(status: int | None, error: str = "") -> Outcome:
        return Outcome(status, _short(error), int((time.monotonic() - started) * 1000))

    try:
        target = parse_target(url, allow_loopback=allow_loopback)
        if target.address is not None:
            address = target.address
        else:
            try:
                addresses = resolve(target.host, target.port)
            except (OSError, UnicodeError) as exc:
                return done(None, f"could not resolve {target.host}: {exc}")
            check_addresses(target.host, addresses, allow_loopback=allow_loopback)
            address = addresses[0]
    except WebhookUrlRefused as exc:
        return done(None, f"refused: {exc.message}")
    netloc = urlsplit(target.url).netloc
    send_headers = {
        **headers,
        "Host": netloc,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    timeout = httpx.Timeout(TIMEOUT, connect=CONNECT_TIMEOUT)
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client,
            client.stream(
                "POST",
                _pinned(target.url, address),
                content=body,
                headers=send_headers,
                extensions=extensions,
            ) as response,
        ):
            return done(response.status_code)
    except httpx.TimeoutException:
        return done(None, f"no answer within {TIMEOUT:.0f} seconds")
    except httpx.HTTPError as exc:
        return done(None, f"{type(exc).__name__}: {exc}")
