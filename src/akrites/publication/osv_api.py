"""The OSV API (https://google.github.io/osv.dev/api/), answered as osv.dev answers it, so that
unmodified clients (pip-audit, osv-scanner) can point their OSV URL at an Akrites instance.

Only the CURRENT OSV record of an advisory that is published or withdrawn is ever read
(``public_osv_documents``): an advisory under embargo has no such row until the transaction that
releases it, so no query, id lookup or error here can tell it exists. Withdrawn records are served
by id but never match a query (``osv_match.affects`` ignores them), as on osv.dev.

Candidates come from the package index (``PublishedPackage``); the OSV range semantics are
``akrites.domain.osv_match``. Bad input gets osv.dev's error shape, ``{"code": 3, "message"}``
with HTTP 400, and osv.dev's message wherever osv.dev has a specific one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from akrites.domain.advisory_parts import osv_package_name
from akrites.domain.formats.osv_writer import advisory_id_from_osv
from akrites.domain.osv_match import Query, affects, normalise_name
from akrites.domain.purl import Ecosystem, PurlError, ecosystem_for_purl, parse_purl
from akrites.publication.models import PublishedDocument, PublishedPackage
from akrites.publication.selectors import PUBLIC_STATES, public_documents
from akrites.web.access import public

MAX_BATCH: Final = 1000  # osv.dev's limit for one querybatch
# gRPC status codes, which osv.dev's JSON errors carry.
INVALID_ARGUMENT: Final = 3
NOT_FOUND: Final = 5
UNIMPLEMENTED: Final = 12

_QUERY_FIELDS: Final = frozenset({"package", "version", "commit", "page_token"})
_PACKAGE_FIELDS: Final = frozenset({"name", "ecosystem", "purl"})
_KNOWN_ECOSYSTEMS: Final = frozenset(e.value for e in Ecosystem)
_HEX: Final = re.compile(r"[0-9a-fA-F]+")


# --- what is public ------------------------------------------------------------------------


def public_osv_documents() -> QuerySet[PublishedDocument]:
    """The current OSV record of every published or withdrawn advisory: all this API reads."""
    return public_documents(kind="osv")


def public_osv_document(vuln_id: str) -> PublishedDocument | None:
    """The public record whose OSV id is ``vuln_id`` (None for an unknown or unpublished id)."""
    identifier = advisory_id_from_osv(vuln_id)
    if not identifier or "\x00" in identifier:
        return None
    return public_osv_documents().filter(advisory__identifier=identifier).first()


# --- parsing a query -----------------------------------------------------------------------


class QueryError(ValueError):
    """A query osv.dev would refuse; ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class OsvQuery:
    """One parsed query. Empty strings mean "not given"; ``ecosystem`` may be empty in a
    version query by name, which then asks every ecosystem."""

    ecosystem: str = ""
    name: str = ""
    version: str = ""
    commit: str = ""
    unanswerable: bool = False  # a purl of a type OSV has no ecosystem for: nothing matches


def _text(raw: dict[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise QueryError(f"Invalid value at '{where}{key}': expected a string.")
    if "\x00" in value:  # no name, version or hash has one (and PostgreSQL refuses it)
        raise QueryError(f"Invalid value at '{where}{key}': contains a NUL character.")
    return value.strip()


def _no_unknown_fields(raw: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise QueryError(
            f"Invalid JSON payload received. Unknown name \"{unknown[0]}\" at '{where}': "
            "Cannot find field."
        )


def _from_purl(text: str, name: str, ecosystem: str, version: str) -> tuple[str, str, str] | None:
    """(ecosystem, name, version) of a query by Package URL, checked in osv.dev's order; None
    for a purl type that has no OSV ecosystem (osv.dev answers those with nothing)."""
    try:
        purl = parse_purl(text)
    except PurlError as exc:
        raise QueryError(f"Invalid Package URL: {exc.message}") from None
    if name:
        raise QueryError("name specified in a PURL query")
    if ecosystem:
        raise QueryError("ecosystem specified in a PURL query")
    try:
        found = ecosystem_for_purl(purl).value
    except PurlError:
        return None
    if purl.version and version:
        raise QueryError("version specified in params and PURL query")
    return found, osv_package_name(purl.to_string()), purl.version or version


def parse_query(raw: object) -> OsvQuery:
    """A query object of ``/v1/query`` (or one of ``/v1/querybatch``), checked as osv.dev
    checks it; QueryError otherwise."""
    if not isinstance(raw, dict):
        raise QueryError("Invalid query: expected a JSON object.")
    _no_unknown_fields(raw, _QUERY_FIELDS, "query")
    package = raw.get("package")
    if package is None:
        package = {}
    if not isinstance(package, dict):
        raise QueryError("Invalid value at 'package': expected an object.")
    _no_unknown_fields(package, _PACKAGE_FIELDS, "package")
    name = _text(package, "name", "package.")
    ecosystem = _text(package, "ecosystem", "package.")
    purl_text = _text(package, "purl", "package.")
    version = _text(raw, "version", "")
    commit = _text(raw, "commit", "")
    _text(raw, "page_token", "")  # accepted and ignored: every answer is one whole page
    if version and commit:
        raise QueryError(
            "Invalid query: 'version' and 'commit' are alternatives (oneof 'param'); give one."
        )
    if purl_text:
        from_purl = _from_purl(purl_text, name, ecosystem, version)
        if from_purl is None:
            return OsvQuery(unanswerable=True)
        ecosystem, name, version = from_purl
    if ecosystem and ecosystem.partition(":")[0] not in _KNOWN_ECOSYSTEMS:
        raise QueryError("Invalid ecosystem.")
    if commit:
        if len(commit) % 2 or not _HEX.fullmatch(commit):
            raise QueryError("Invalid hash.")
        return OsvQuery(ecosystem=ecosystem, name=name, commit=commit.lower())
    if name and (version or ecosystem):
        return OsvQuery(ecosystem=ecosystem, name=name, version=version)
    raise QueryError("Invalid query.")


# --- answering -----------------------------------------------------------------------------


class _Records:
    """The parsed public records one request has read, each read once."""

    def __init__(self) -> None:
        self._by_advisory: dict[int, dict[str, Any]] = {}

    def load(self, advisory_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        missing = [a for a in advisory_ids if a not in self._by_advisory]
        if missing:
            docs = public_osv_documents().filter(advisory_id__in=missing)
            for advisory_id, content in docs.values_list("advisory_id", "content"):
                self._by_advisory[advisory_id] = json.loads(content)
        return self._by_advisory

    def containing(self, text: str) -> list[dict[str, Any]]:
        docs = public_osv_documents().filter(content__contains=text)
        found = []
        for advisory_id, content in docs.values_list("advisory_id", "content"):
            record = self._by_advisory.setdefault(advisory_id, json.loads(content))
            found.append(record)
        return found


class _Candidates:
    """Which public advisories name which queried packages: ONE indexed lookup for a whole
    request (a single query or a batch of up to 1000), by the name as each ecosystem
    compares it (``PublishedPackage.name_key``)."""

    CHUNK = 500

    def __init__(self, queries: Iterable[OsvQuery]) -> None:
        keys: set[str] = set()
        for q in queries:
            if not q.unanswerable and not q.commit:
                keys |= {q.name, normalise_name(Ecosystem.PYPI.value, q.name)}
        ordered = sorted(keys)
        self._rows: dict[str, set[tuple[int, str]]] = {}
        for i in range(0, len(ordered), self.CHUNK):
            found = (
                PublishedPackage.objects.filter(
                    name_key__in=ordered[i : i + self.CHUNK], advisory__state__in=PUBLIC_STATES
                )
                .values_list("advisory_id", "ecosystem", "name_key")
                .distinct()
            )
            for advisory, ecosystem, key in found:
                self._rows.setdefault(key, set()).add((advisory, ecosystem))

    def advisory_ids(self) -> set[int]:
        return {advisory for rows in self._rows.values() for advisory, _ in rows}

    def of(self, query: OsvQuery) -> list[tuple[int, str]]:
        """(advisory, ecosystem) pairs that name the queried package ("" = any ecosystem)."""
        out: set[tuple[int, str]] = set()
        for key in {query.name, normalise_name(Ecosystem.PYPI.value, query.name)}:
            for advisory, ecosystem in self._rows.get(key, ()):
                if query.ecosystem and ecosystem != query.ecosystem:
                    continue
                if normalise_name(ecosystem, query.name) == key:
                    out.add((advisory, ecosystem))
        return sorted(out)


def _matches(query: OsvQuery, records: _Records, candidates: _Candidates) -> list[dict[str, Any]]:
    if query.unanswerable:
        return []
    found: dict[str, dict[str, Any]] = {}
    if query.commit:
        for record in records.containing(query.commit):
            for entry in record.get("affected", ()):
                package = entry.get("package") or {}
                probe = Query(
                    ecosystem=str(package.get("ecosystem", "")),
                    name=str(package.get("name", "")),
                    commit=query.commit,
                )
                if affects(record, probe):
                    found[record["id"]] = record
        return [found[k] for k in sorted(found)]
    pairs = candidates.of(query)
    loaded = records.load(advisory for advisory, _ in pairs)
    for advisory, ecosystem in pairs:
        candidate = loaded.get(advisory)
        if candidate is None:
            continue
        probe = Query(ecosystem=ecosystem, name=query.name, version=query.version or None)
        if affects(candidate, probe):
            found[candidate["id"]] = candidate
    return [found[k] for k in sorted(found)]


def query_records(raw: object) -> list[dict[str, Any]]:
    """The full public records a ``/v1/query`` body asks for (QueryError for a bad one)."""
    query = parse_query(raw)
    return _matches(query, _Records(), _Candidates([query]))


def query_batch(raw: object) -> list[list[dict[str, Any]]]:
    """Per query of a ``/v1/querybatch`` body, in order, the matching records."""
    if not isinstance(raw, dict):
        raise QueryError("Invalid query: expected a JSON object.")
    _no_unknown_fields(raw, frozenset({"queries"}), "batch")
    queries = raw.get("queries")
    if queries is None:
        queries = []
    if not isinstance(queries, list):
        raise QueryError("Invalid value at 'queries': expected a list.")
    if len(queries) > MAX_BATCH:
        raise QueryError("Too many queries.")
    parsed = []
    for index, item in enumerate(queries):
        try:
            parsed.append(parse_query(item))
        except QueryError as exc:
            raise QueryError(f"queries[{index}]: {exc.message}") from None
    records = _Records()
    candidates = _Candidates(parsed)
    records.load(candidates.advisory_ids())  # every record the batch may need, at once
    return [_matches(q, records, candidates) for q in parsed]


# --- views ---------------------------------------------------------------------------------


def _error(status: int, code: int, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status)


def _not_allowed(allowed: str) -> JsonResponse:
    response = _error(405, UNIMPLEMENTED, f"Method not allowed: use {allowed}.")
    response["Allow"] = allowed
    return response


def _body(request: HttpRequest) -> object:
    # Clients send JSON with or without a Content-Type (pip-audit sends none): read the body.
    try:
        return json.loads(request.body or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise QueryError(f"Invalid JSON payload received. {exc}") from None
    except RecursionError:
        raise QueryError("Invalid JSON payload received: nested too deeply.") from None


def _post_json(request: HttpRequest, answer: Callable[[object], dict[str, Any]]) -> HttpResponse:
    if request.method != "POST":
        return _not_allowed("POST")
    try:
        return JsonResponse(answer(_body(request)))
    except QueryError as exc:
        return _error(400, INVALID_ARGUMENT, exc.message)


def _query_answer(raw: object) -> dict[str, Any]:
    vulns = query_records(raw)
    return {"vulns": vulns} if vulns else {}


def _batch_answer(raw: object) -> dict[str, Any]:
    return {
        "results": [
            {"vulns": [{"id": r["id"], "modified": r["modified"]} for r in found]} if found else {}
            for found in query_batch(raw)
        ]
    }


@public("OSV API: answers only from the public records of published advisories")
@csrf_exempt  # a JSON API for tools, with no cookies or session: nothing to forge
def osv_query(request: HttpRequest) -> HttpResponse:
    return _post_json(request, _query_answer)


@public("OSV API: answers only from the public records of published advisories")
@csrf_exempt  # see osv_query
def osv_querybatch(request: HttpRequest) -> HttpResponse:
    return _post_json(request, _batch_answer)


@public("OSV API: serves only the public records of published (or withdrawn) advisories")
def osv_vuln(request: HttpRequest, vuln_id: str) -> HttpResponse:
    if request.method not in {"GET", "HEAD"}:
        return _not_allowed("GET")
    document = public_osv_document(vuln_id)
    if document is None:
        # The same answer for an unknown id and for an advisory that is not public yet.
        return _error(404, NOT_FOUND, "Bug not found.")
    # The stored bytes: exactly what was hashed and signed at publication.
    return HttpResponse(document.content.encode("utf-8"), content_type="application/json")
