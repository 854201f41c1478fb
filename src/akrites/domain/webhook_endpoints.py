"""Webhook endpoints: where Akrites may send deliveries, the secrets it signs them with, and
how long it keeps trying. Signing itself is :mod:`akrites.domain.webhooks`.

Sending requests to addresses chosen by users is a server-side request forgery risk: an
endpoint could point at the database, a cloud metadata service or an admin port inside our
network. So an endpoint must be ``https`` on a public address. The URL is checked when it is
registered (address literals, internal names) and every resolved address is checked again
just before each delivery, because a name can resolve differently later.
"""

from __future__ import annotations

import base64
import ipaddress
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import SplitResult, urlsplit, urlunsplit

from akrites.domain.errors import InvalidInput
from akrites.domain.webhooks import MIN_SECRET_BYTES, new_secret

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_URL_LENGTH = 2000
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=2)
DEFAULT_GRACE = timedelta(hours=24)
LONGEST_GRACE = timedelta(days=7)
SECRET_PREFIX = "whsec_"

# Names that only mean something inside a network (RFC 6761, RFC 8375 and common practice).
_INTERNAL_SUFFIXES = (
    ".local",
    ".internal",
    ".intranet",
    ".lan",
    ".home.arpa",
    ".localdomain",
    ".corp",
    ".private",
)
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_NUMERIC_LABEL = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class WebhookUrlRefused(InvalidInput):
    """An endpoint URL Akrites will not send to. ``field`` is the form or API field."""

    code = "webhook_url_refused"


class MalformedUrl(WebhookUrlRefused):
    code = "webhook_url_malformed"


class InsecureUrl(WebhookUrlRefused):
    code = "webhook_url_insecure"


class CredentialsInUrl(WebhookUrlRefused):
    code = "webhook_url_credentials"


class PrivateAddress(WebhookUrlRefused):
    code = "webhook_url_private"


@dataclass(frozen=True, slots=True)
class Target:
    """A checked endpoint URL. ``address`` is set when the host is an address literal."""

    url: str
    scheme: str
    host: str  # lower case; an IPv6 address without brackets
    port: int
    address: IPAddress | None


def address_refusal(address: IPAddress, *, allow_loopback: bool) -> str | None:
    """Why Akrites must not connect to ``address`` (None: it may)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        elif address in _NAT64:  # reaches the IPv4 address in its last 32 bits
            address = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.is_loopback:
        return None if allow_loopback else "a loopback address"
    if address.is_link_local:
        return "a link-local address (such as a cloud metadata service)"
    if address.is_multicast:
        return "a multicast address"
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_private:
        return "a private network address"
    if address.is_reserved or not address.is_global:
        return "not a public internet address"
    return None


def check_addresses(
    host: str, addresses: list[IPAddress], *, allow_loopback: bool, field: str = "url"
) -> None:
    """Refuse a host if ANY of its addresses is internal: a name with one public and one
    private address would otherwise reach the private one some of the time."""
    if not addresses:
        raise PrivateAddress(f"{host} has no address", field=field)
    for address in addresses:
        why = address_refusal(address, allow_loopback=allow_loopback)
        if why:
            raise PrivateAddress(
                f"{host} resolves to {address}, {why}: webhooks go to public addresses only",
                field=field,
            )


def _host(raw: str, field: str) -> tuple[str, IPAddress | None]:
    try:
        return raw, ipaddress.ip_address(raw)
    except ValueError:
        pass
    try:
        host = raw.encode("idna").decode("ascii").lower().rstrip(".")
    except UnicodeError:
        raise MalformedUrl(f"'{raw}' is not a valid host name", field=field) from None
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise MalformedUrl(f"'{raw}' is not a valid host name", field=field)
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        # "2130706433" or "0x7f.1" are addresses in disguise that resolvers accept.
        raise MalformedUrl(
            f"'{raw}' looks like a numeric address: write a host name or a dotted address",
            field=field,
        )
    return host, None


def _split(url: str, field: str) -> SplitResult:
    """The URL's parts, refusing what is malformed whatever the host is."""
    if not url:
        raise MalformedUrl("the endpoint URL is empty", field=field)
    if len(url) > MAX_URL_LENGTH:
        raise MalformedUrl(f"the URL is longer than {MAX_URL_LENGTH} characters", field=field)
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise MalformedUrl("the URL contains spaces or control characters", field=field)
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises for a port that is not a number in 0-65535
    except ValueError as exc:
        raise MalformedUrl(f"not a valid URL: {exc}", field=field) from None
    if parts.scheme.lower() not in {"https", "http"} or not parts.hostname:
        raise MalformedUrl("give a full URL such as https://hooks.example.org/akrites", field=field)
    if parts.username is not None or parts.password is not None:
        raise CredentialsInUrl(
            "the URL contains a user name or password: remove it; deliveries are "
            "authenticated by their signature",
            field=field,
        )
    if parts.fragment:
        raise MalformedUrl("the URL has a #fragment, which is never sent: remove it", field=field)
    return parts


def parse_target(text: str, *, allow_loopback: bool, field: str = "url") -> Target:
    """Check an endpoint URL as it is registered, or raise the specific refusal."""
    parts = _split(text.strip(), field)
    scheme = parts.scheme.lower()
    host, address = _host(str(parts.hostname), field)
    loopback = (
        host == "localhost"
        or host.endswith(".localhost")
        or (address is not None and address.is_loopback)
    )
    if loopback and not allow_loopback:
        raise PrivateAddress(f"{host} is this server itself: use a public address", field=field)
    if address is not None:
        check_addresses(host, [address], allow_loopback=allow_loopback, field=field)
    elif not loopback and ("." not in host or host.endswith(_INTERNAL_SUFFIXES)):
        raise PrivateAddress(
            f"{host} is an internal name: use a public, fully qualified host name", field=field
        )
    if scheme == "http" and not loopback:
        raise InsecureUrl(
            "webhooks are sent over https only: the URL must start with https://", field=field
        )
    netloc = f"[{host}]" if isinstance(address, ipaddress.IPv6Address) else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    return Target(
        url=urlunsplit((scheme, netloc, parts.path or "/", parts.query, "")),
        scheme=scheme,
        host=host,
        port=parts.port or (443 if scheme == "https" else 80),
        address=address,
    )


def new_secret_text() -> str:
    """A new signing secret as shown once to the organisation. The HMAC key is this text's
    ASCII bytes (:func:`secret_key`), so receivers can paste it as it is."""
    raw = base64.urlsafe_b64encode(new_secret()).decode("ascii").rstrip("=")
    return SECRET_PREFIX + raw


def secret_key(text: str) -> bytes:
    key = text.encode("ascii")
    if len(key) < MIN_SECRET_BYTES:
        raise ValueError("a webhook secret is at least 16 characters")
    return key


def new_delivery_id() -> str:
    return "dlv_" + secrets.token_hex(16)


def retry_delay(attempt: int) -> timedelta:
    """How long to wait after failed attempt number ``attempt`` (1-based): doubling from
    one minute, at most two hours apart."""
    if attempt < 1:
        raise ValueError("attempts are counted from 1")
    doubled = FIRST_RETRY * (1 << min(attempt - 1, 30))
    return min(doubled, LONGEST_RETRY)


def gives_up_after(attempt: int) -> bool:
    return attempt >= MAX_ATTEMPTS


def delivered(status_code: int) -> bool:
    """Only a 2xx answer counts; redirects are not followed (they could lead inside)."""
    return 200 <= status_code < 300


def grace_period(hours: int | None) -> timedelta:
    """How long a replaced secret keeps signing beside the new one."""
    if hours is None:
        return DEFAULT_GRACE
    grace = timedelta(hours=hours)
    if grace < timedelta(0) or grace > LONGEST_GRACE:
        raise InvalidInput(
            f"the grace period is 0 to {LONGEST_GRACE.days * 24} hours", field="grace_hours"
        )
    return grace
