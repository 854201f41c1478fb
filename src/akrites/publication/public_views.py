"""The public advisory pages: the index, one page per advisory, and every published document
(with its ``.sha256``, ``.sha512`` and ``.asc`` siblings) at the path it was stored under.

Everything public reads ONLY the current documents of advisories that are published or
withdrawn (``public_documents``). A draft, scheduled or embargoed advisory has no document rows
until the transaction that releases it commits, and the state filter keeps it out even if it
had. An unknown id and an unpublished one take the same code path to the same 404.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final, TypeVar
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from akrites.domain.errors import NotFound
from akrites.domain.intake.errors import FieldError
from akrites.domain.intake.model import SeverityType
from akrites.domain.intake.scoring import parse_severity
from akrites.publication.models import PublishedDocument
from akrites.publication.selectors import public_documents
from akrites.web.access import public

T = TypeVar("T")

NOT_PUBLISHED: Final = "There is no published advisory or document here."
PAGE_SIZE: Final = 25
SIBLINGS: Final = (".sha256", ".sha512", ".asc")
MEDIA_TYPES: Final = {"cyclonedx": "application/vnd.cyclonedx+json"}  # others: JSON
# (kind, label, file name under /advisories/<id>/), in the order the page lists them.
FORMATS: Final = (
    ("osv", "OSV", "osv.json"),
    ("csaf", "CSAF 2.0 security advisory", ""),
    ("csaf-vex", "CSAF 2.0 VEX", "csaf-vex.json"),
    ("openvex", "OpenVEX 0.2.0", "openvex.json"),
    ("cyclonedx", "CycloneDX 1.6 VEX", "cyclonedx.json"),
    ("cve", "CVE JSON 5 record", "cve.json"),
)
_CVSS_LABELS: Final = {SeverityType.CVSS_V3: "CVSS 3.1", SeverityType.CVSS_V4: "CVSS 4.0"}


# --- what is public ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublicRow:
    """One public document without its content (that is parsed once and cached)."""

    pk: int
    identifier: str
    path: str
    sha256: str
    revised_at: dt.datetime  # when this revision went public
    first_published_at: dt.datetime


def public_rows(kind: str) -> list[PublicRow]:
    """The public documents of ``kind``, newest advisory (by first publication) first."""
    rows = (
        public_documents(kind=kind)
        .order_by("-advisory__published_at", "-advisory__identifier")
        .values_list(
            "pk", "advisory__identifier", "path", "sha256", "published_at", "advisory__published_at"
        )
    )
    return [PublicRow(*row) for row in rows]


# Documents never change once written (a revision is a new row), so what is read from one is
# cached by its id and digest (ids can be reused after a rollback; digests tell them apart).
_DERIVED: dict[tuple[str, int, str], Any] = {}
_DERIVED_MAX: Final = 20_000
_CHUNK: Final = 500
_MISSING: Final = object()


def derived(rows: list[PublicRow], derive: Callable[[dict[str, Any]], T]) -> list[T]:
    """``derive(parsed JSON)`` of each row's document, in the rows' order. Safe with several
    threads: each call answers from what it found or read itself."""
    name = f"{derive.__module__}.{derive.__qualname__}"
    found: dict[int, T] = {}
    for r in rows:
        if (hit := _DERIVED.get((name, r.pk, r.sha256), _MISSING)) is not _MISSING:
            found[r.pk] = hit
    missing = [r.pk for r in rows if r.pk not in found]
    if len(_DERIVED) + len(missing) > _DERIVED_MAX:
        _DERIVED.clear()
    for start in range(0, len(missing), _CHUNK):
        chunk = missing[start : start + _CHUNK]
        for pk, sha256, content in PublishedDocument.objects.filter(pk__in=chunk).values_list(
            "pk", "sha256", "content"
        ):
            found[pk] = _DERIVED[(name, pk, sha256)] = derive(json.loads(content))
    return [found[r.pk] for r in rows]


# --- what the index and the feed show of an OSV record -------------------------------------


@dataclass(frozen=True, slots=True)
class Summary:
    identifier: str
    title: str
    aliases: tuple[str, ...]
    rating: str  # "HIGH", ... or "" when the advisory has no CVSS vector
    packages: tuple[tuple[str, str], ...]  # (ecosystem, name)
    published: str  # as the OSV record says (RFC 3339, UTC)
    modified: str
    withdrawn: str
    details: str

    @property
    def cve_ids(self) -> tuple[str, ...]:
        return tuple(a for a in self.aliases if a.startswith("CVE-"))

    @property
    def ecosystems(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e for e, _ in self.packages))


def summarise(osv: dict[str, Any]) -> Summary:
    specific = osv.get("database_specific") or {}
    packages = (a.get("package") or {} for a in osv.get("affected", ()))
    return Summary(
        identifier=str(specific.get("akrites_id") or osv["id"]),
        title=str(osv.get("summary", "")),
        aliases=tuple(osv.get("aliases", ())),
        rating=str(specific.get("severity", "")),
        packages=tuple(dict.fromkeys((p["ecosystem"], p["name"]) for p in packages if p)),
        published=str(osv.get("published", "")),
        modified=str(osv["modified"]),
        withdrawn=str(osv.get("withdrawn", "")),
        details=str(osv.get("details", "")),
    )


def public_summaries() -> list[Summary]:
    """Every public advisory, newest first."""
    return derived(public_rows("osv"), summarise)


def shown_time(value: str) -> str:
    """``2026-03-01T12:00:00Z`` as ``2026-03-01 12:00 UTC``: the same for every visitor."""
    if not value:
        return ""
    when = dt.datetime.fromisoformat(value).astimezone(dt.UTC)
    return when.strftime("%Y-%m-%d %H:%M UTC")


def shown_day(value: str) -> str:
    return shown_time(value)[:10]


# --- the index -----------------------------------------------------------------------------


def _matches(summary: Summary, ecosystem: str, package: str) -> bool:
    needle = package.casefold()
    return any(
        (not ecosystem or eco == ecosystem) and (not needle or needle in name.casefold())
        for eco, name in summary.packages
    )


@public("lists only advisories already published; nothing else is read")
@require_safe
def advisory_index(request: HttpRequest) -> HttpResponse:
    summaries = public_summaries()
    ecosystems = sorted({e for s in summaries for e in s.ecosystems}, key=str.casefold)
    ecosystem = request.GET.get("ecosystem", "").strip()[:64]
    package = request.GET.get("package", "").strip()[:200]
    if ecosystem or package:
        summaries = [s for s in summaries if _matches(s, ecosystem, package)]
    page = Paginator(summaries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "summary": s,
            "published": shown_day(s.published),
            "modified": shown_day(s.modified),
        }
        for s in page.object_list
    ]
    filters = {k: v for k, v in (("ecosystem", ecosystem), ("package", package)) if v}
    return render(
        request,
        "publication/public_index.html",
        {
            "rows": rows,
            "page": page,
            "ecosystems": ecosystems,
            "filters": {"ecosystem": ecosystem, "package": package},
            "query": urlencode(filters),
        },
    )


# --- one advisory --------------------------------------------------------------------------


def _range_text(kind: str, events: Iterable[dict[str, str]]) -> list[str]:
    """OSV events as readable intervals: ``>= 1.0, < 2.4.1``, ``< 3.0``, ``all versions``."""
    intervals: list[list[str]] = []
    for event in events:
        if "introduced" in event:
            start = event["introduced"]
            if kind == "GIT":
                intervals.append([f"introduced in commit {start}"])
            else:
                intervals.append([] if start == "0" else [f">= {start}"])
            continue
        if not intervals:
            intervals.append([])
        if "fixed" in event:
            fixed = event["fixed"]
            intervals[-1].append(f"fixed in commit {fixed}" if kind == "GIT" else f"< {fixed}")
        elif "last_affected" in event:
            intervals[-1].append(f"<= {event['last_affected']}")
    return [", ".join(parts) or "all versions" for parts in intervals]


def _affected(osv: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for entry in osv.get("affected", ()):
        package = entry.get("package") or {}
        ranges = []
        fixed: list[str] = []
        for r in entry.get("ranges", ()):
            kind = r.get("type", "")
            events = r.get("events", ())
            fixed += [e["fixed"] for e in events if "fixed" in e and kind != "GIT"]
            ranges.append(
                {"kind": kind, "repo": r.get("repo", ""), "text": _range_text(kind, events)}
            )
        out.append(
            {
                "ecosystem": package.get("ecosystem", ""),
                "name": package.get("name", ""),
                "purl": package.get("purl", ""),
                "ranges": ranges,
                "versions": entry.get("versions", ()),
                "fixed": fixed,
                "no_fix": bool((entry.get("database_specific") or {}).get("no_fix")),
            }
        )
    return out


def _severities(osv: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for entry in osv.get("severity", ()):
        try:
            kind = SeverityType(entry.get("type", ""))
        except ValueError:
            continue  # a kind of score this page cannot compute
        parsed = parse_severity(kind, entry.get("score", ""), "severity")
        if isinstance(parsed, FieldError):
            continue
        out.append(
            {
                "label": _CVSS_LABELS[kind],
                "vector": parsed.vector,
                "score": f"{parsed.base_score:.1f}",
                "rating": parsed.rating.value,
            }
        )
    return out


def _web_link(url: str) -> bool:
    return url.startswith(("https://", "http://"))


def _downloads(identifier: str, docs: list[PublishedDocument]) -> list[dict[str, Any]]:
    by_kind = {d.kind: d for d in docs}
    out = []
    for kind, label, file_name in FORMATS:
        doc = by_kind.get(kind)
        if doc is None:
            continue
        href = f"/advisories/{identifier}/{file_name}" if file_name else doc.path
        siblings = [(s.lstrip("."), href + s) for s in SIBLINGS if s != ".asc" or doc.signature]
        out.append({"kind": kind, "label": label, "href": href, "siblings": siblings})
    return out


def advisory_context(osv: dict[str, Any], docs: list[PublishedDocument]) -> dict[str, Any]:
    summary = summarise(osv)
    specific = osv.get("database_specific") or {}
    references = [
        {
            "type": r.get("type", "WEB").lower(),
            "url": r.get("url", ""),
            "link": _web_link(r.get("url", "")),
        }
        for r in osv.get("references", ())
    ]
    return {
        "summary": summary,
        "osv_id": osv["id"],
        "published": shown_time(summary.published),
        "modified": shown_time(summary.modified),
        "withdrawn": shown_time(summary.withdrawn),
        "withdrawn_reason": specific.get("withdrawn_reason", ""),
        "paragraphs": [p.strip() for p in summary.details.split("\n\n") if p.strip()],
        "affected": _affected(osv),
        "severities": _severities(osv),
        "cwes": [
            {"id": cwe, "number": cwe.removeprefix("CWE-")} for cwe in specific.get("cwe_ids", ())
        ],
        "references": references,
        "credits": [
            {"name": c.get("name", ""), "type": c.get("type", "").replace("_", " ").lower()}
            for c in osv.get("credits", ())
        ],
        "workarounds": list(specific.get("workarounds", ())),
        "downloads": _downloads(summary.identifier, docs),
    }


@public("shows an advisory only once it is published; any other id gets the same 404")
@require_safe
def advisory_page(request: HttpRequest, advisory_id: str) -> HttpResponse:
    docs = list(public_documents().filter(advisory__identifier=advisory_id))
    osv = next((d for d in docs if d.kind == "osv"), None)
    if osv is None:
        raise NotFound(NOT_PUBLISHED)
    context = advisory_context(json.loads(osv.content), docs)
    return render(request, "publication/public_advisory.html", context)


# --- the documents themselves --------------------------------------------------------------


def machine_readable(response: HttpResponse) -> HttpResponse:
    """Public data files may be fetched by browser-based tools on other origins (CSAF
    requirement 25); they never depend on cookies, so no credentials are allowed."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def text_response(text: str, content_type: str = "text/plain; charset=utf-8") -> HttpResponse:
    return machine_readable(HttpResponse(text.encode("utf-8"), content_type=content_type))


def split_sibling(file_name: str) -> tuple[str, str]:
    for suffix in SIBLINGS:
        if file_name.endswith(suffix):
            return file_name.removesuffix(suffix), suffix
    return file_name, ""


def document_response(doc: PublishedDocument | None, file_name: str) -> HttpResponse:
    """The document, or its hash or signature file (``file_name`` says which)."""
    base, suffix = split_sibling(file_name)
    if doc is None or (suffix == ".asc" and not doc.signature):
        raise NotFound(NOT_PUBLISHED)
    if suffix == ".sha256":
        return text_response(f"{doc.sha256}  {base}\n")
    if suffix == ".sha512":
        return text_response(f"{doc.sha512}  {base}\n")
    if suffix == ".asc":
        return text_response(doc.signature, "application/pgp-signature")
    media = MEDIA_TYPES.get(doc.kind, "application/json")
    return text_response(doc.content, media)


def public_document_at(path: str) -> PublishedDocument | None:
    """The public document stored at ``path`` (None for anything else)."""
    return public_documents().filter(path=path).first()


@public("serves a document only once its advisory is published; anything else is a 404")
@require_safe
def advisory_file(request: HttpRequest, advisory_id: str, file_name: str) -> HttpResponse:
    base, _ = split_sibling(file_name)
    doc = public_document_at(f"/advisories/{advisory_id}/{base}")
    if doc is None and base == "osv.json":
        # The OSV record's own home is the OSV API; here it sits beside the other formats.
        doc = public_documents(kind="osv").filter(advisory__identifier=advisory_id).first()
    return document_response(doc, file_name)
