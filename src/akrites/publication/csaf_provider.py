"""The CSAF 2.0 provider (CSAF 2.0 section 7): ``provider-metadata.json`` at the well-known
URL (requirements 7 and 9), the TLP:WHITE folder with one folder per year of initial release,
each document with ``.sha256``/``.sha512`` hashes and an OpenPGP ``.asc`` signature (11, 18,
19), ``index.txt`` and ``changes.csv`` (12, 13), the ROLIE feed (15), the public signing keys
(20) and ``security.txt`` with its ``CSAF:`` field (8).

Like every public surface it reads only the current documents of published or withdrawn
advisories (``public_views.public_documents``), so nothing here can tell that a draft,
scheduled or embargoed advisory exists. What changes with time only (``last_updated``, feed
``updated``) is computed from those documents and the keys, never from the clock, so the same
data always gives the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from typing import Any, Final

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from akrites.domain.errors import NotFound
from akrites.publication.models import SigningKey
from akrites.publication.public_views import (
    NOT_PUBLISHED,
    PublicRow,
    derived,
    document_response,
    public_document_at,
    public_rows,
    split_sibling,
    text_response,
)
from akrites.publication.signing import public_keys
from akrites.web.access import public

WELL_KNOWN: Final = "/.well-known/csaf"
WHITE: Final = f"{WELL_KNOWN}/white/"
FEED_FILE: Final = "csaf-feed-tlp-white.json"
PROVIDER_FILE: Final = "provider-metadata.json"
CSAF_SCHEMA: Final = "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json"
ROLIE_INFORMATION_TYPE: Final = "urn:ietf:params:rolie:category:information-type"
NOTHING_YET: Final = "1970-01-01T00:00:00Z"  # "updated" of a feed nothing was ever put in
SECURITY_TXT_DAYS: Final = 180  # RFC 9116: Expires less than a year ahead


def _base() -> str:
    return str(settings.AKRITES.base_url).rstrip("/")


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def provider_metadata_url() -> str:
    return f"{_base()}{WELL_KNOWN}/{PROVIDER_FILE}"


def key_path(fingerprint: str) -> str:
    return f"{WELL_KNOWN}/openpgp/{fingerprint}.asc"


def key_url(fingerprint: str) -> str:
    return f"{_base()}{key_path(fingerprint)}"


# --- the TLP:WHITE documents ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tracking:
    id: str
    title: str
    initial_release: str
    current_release: str


def tracking_of(csaf: dict[str, Any]) -> Tracking:
    document = csaf["document"]
    tracking = document["tracking"]
    return Tracking(
        id=tracking["id"],
        title=document["title"],
        initial_release=tracking["initial_release_date"],
        current_release=tracking["current_release_date"],
    )


@dataclass(frozen=True, slots=True)
class WhiteDocument:
    row: PublicRow
    tracking: Tracking

    @property
    def relative(self) -> str:
        """The path inside the TLP folder, as index.txt and changes.csv give it."""
        return self.row.path.removeprefix(WHITE)

    @property
    def url(self) -> str:
        return f"{_base()}{self.row.path}"

    @property
    def changed(self) -> dt.datetime:
        return _parse(self.tracking.current_release)


def white_documents() -> list[WhiteDocument]:
    """Every public TLP:WHITE CSAF document, most recently changed first."""
    rows = [r for r in public_rows("csaf") if r.path.startswith(WHITE)]
    docs = [
        WhiteDocument(row, tracking)
        for row, tracking in zip(rows, derived(rows, tracking_of), strict=True)
    ]
    return sorted(docs, key=lambda d: (d.changed, d.relative), reverse=True)


# --- provider metadata, ROLIE, index.txt, changes.csv ---------------------------------------


def _key_times(keys: list[SigningKey]) -> list[dt.datetime]:
    return [t for k in keys for t in (k.created_at, k.retired_at) if t is not None]


def provider_metadata() -> dict[str, Any]:
    """The provider metadata (valid against the CSAF 2.0 provider schema)."""
    keys = public_keys()
    docs = white_documents()
    times = [d.changed for d in docs] + _key_times(keys)
    return {
        "canonical_url": provider_metadata_url(),
        "distributions": [
            {
                "rolie": {
                    "feeds": [
                        {
                            "summary": "All TLP:WHITE advisories of "
                            f"{settings.AKRITES.publisher_name}.",
                            "tlp_label": "WHITE",
                            "url": f"{_base()}{WHITE}{FEED_FILE}",
                        }
                    ]
                }
            }
        ],
        "last_updated": _stamp(max(times)) if times else NOTHING_YET,
        # Listing and mirroring are the operator's decision to announce, not a default.
        "list_on_CSAF_aggregators": False,
        "metadata_version": "2.0",
        "mirror_on_CSAF_aggregators": False,
        "public_openpgp_keys": [
            {"fingerprint": k.fingerprint, "url": key_url(k.fingerprint)} for k in keys
        ],
        # The same publisher as in every CSAF document (render.context).
        "publisher": {
            "category": "coordinator",
            "name": settings.AKRITES.publisher_name,
            "namespace": _base(),
        },
        # Hashes, signatures and public keys (requirements 18 to 20) make it a trusted one.
        "role": "csaf_trusted_provider",
    }


def rolie_feed() -> dict[str, Any]:
    """The ROLIE feed (RFC 8322, JSON) of every TLP:WHITE document."""
    docs = white_documents()
    feed_url = f"{_base()}{WHITE}{FEED_FILE}"
    entries = [
        {
            "id": d.tracking.id,
            "title": d.tracking.title,
            "link": [
                {"rel": "self", "href": d.url},
                {"rel": "hash", "href": f"{d.url}.sha256"},
                {"rel": "hash", "href": f"{d.url}.sha512"},
                {"rel": "signature", "href": f"{d.url}.asc"},
            ],
            "published": d.tracking.initial_release,
            "updated": d.tracking.current_release,
            "summary": {"content": d.tracking.title},
            "content": {"type": "application/json", "src": d.url},
            "format": {"schema": CSAF_SCHEMA, "version": "2.0"},
        }
        for d in docs
    ]
    return {
        "feed": {
            "id": feed_url,
            "title": f"{settings.AKRITES.publisher_name} CSAF feed (TLP:WHITE)",
            "link": [{"rel": "self", "href": feed_url}],
            "category": [{"scheme": ROLIE_INFORMATION_TYPE, "term": "csaf"}],
            "updated": _stamp(docs[0].changed) if docs else NOTHING_YET,
            "entry": entries,
        }
    }


def index_txt() -> str:
    return "".join(f"{d.relative}\n" for d in sorted(white_documents(), key=lambda d: d.relative))


def changes_csv() -> str:
    """CSAF 2.0 requirement 13: path and current release date, latest first, quoted."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    for d in white_documents():
        writer.writerow([d.relative, d.tracking.current_release])
    return out.getvalue()


def _json(data: dict[str, Any]) -> HttpResponse:
    return text_response(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "application/json")


@public("CSAF provider metadata: only published documents and the public signing keys")
@require_safe
def provider_metadata_view(request: HttpRequest) -> HttpResponse:
    return _json(provider_metadata())


@public("ROLIE feed of published TLP:WHITE CSAF documents only")
@require_safe
def rolie_feed_view(request: HttpRequest) -> HttpResponse:
    return _json(rolie_feed())


@public("index of published TLP:WHITE CSAF documents only")
@require_safe
def index_txt_view(request: HttpRequest) -> HttpResponse:
    return text_response(index_txt())


@public("change list of published TLP:WHITE CSAF documents only")
@require_safe
def changes_csv_view(request: HttpRequest) -> HttpResponse:
    return text_response(changes_csv(), "text/csv; charset=utf-8")


@public("a CSAF document (or hash, or signature) once published; anything else is a 404")
@require_safe
def csaf_document_view(request: HttpRequest, year: str, file_name: str) -> HttpResponse:
    base, _ = split_sibling(file_name)
    return document_response(public_document_at(f"{WHITE}{year}/{base}"), file_name)


# --- keys and security.txt -----------------------------------------------------------------


def armoured_key(key: SigningKey) -> str:
    """The public key, its armour saying when it was in use (RFC 4880 armour headers)."""
    comments = [
        f"Comment: {settings.AKRITES.publisher_name} signing key for public documents",
        f"Comment: in use since {_stamp(key.created_at)}",
    ]
    if key.retired_at is not None:
        comments.append(
            f"Comment: retired {_stamp(key.retired_at)}: verifies earlier signatures only"
        )
    first, _, rest = key.public_armored.strip().partition("\n")
    return "\n".join([first, *comments, rest]) + "\n"


@public("public OpenPGP keys that sign published documents are public by nature")
@require_safe
def openpgp_key_view(request: HttpRequest, file_name: str) -> HttpResponse:
    fingerprint = file_name.removesuffix(".asc")
    key = SigningKey.objects.filter(fingerprint=fingerprint.upper()).first()
    if key is None or not file_name.endswith(".asc"):
        raise NotFound(NOT_PUBLISHED)
    return text_response(armoured_key(key), "application/pgp-keys")


def security_txt() -> str:
    base = _base()
    today = timezone.now().astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    expires = today + dt.timedelta(days=SECURITY_TXT_DAYS)
    return (
        f"# Security contact of {settings.AKRITES.publisher_name} (RFC 9116)\n"
        f"Contact: {base}/reports/new/\n"
        f"Expires: {_stamp(expires)}\n"
        "Preferred-Languages: en\n"
        f"Canonical: {base}/.well-known/security.txt\n"
        f"CSAF: {provider_metadata_url()}\n"
    )


@public("security.txt (RFC 9116) holds only public contact and CSAF locations")
@require_safe
def security_txt_view(request: HttpRequest) -> HttpResponse:
    return text_response(security_txt())
