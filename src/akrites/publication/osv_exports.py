"""OSV exports in the layout offline scanners read (osv.dev's bucket): ``<Ecosystem>/all.zip``
holding one ``<id>.json`` per record, and ``ecosystems.txt``; and the same records written
to a folder for ``akrites export osv --published``.

Built from the database on request, from the same public rows the OSV API reads
(``osv_api.public_osv_documents``): current records of published or withdrawn advisories. Each
file holds the stored bytes exactly (those that were hashed and signed). A zip is the same
bytes for the same records: entries in id order, each dated by its revision's publication.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.core.cache import cache
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from akrites.domain.purl import Ecosystem
from akrites.publication.models import PublishedPackage
from akrites.publication.osv_api import public_osv_documents
from akrites.publication.selectors import PUBLIC_STATES
from akrites.web.access import public


@dataclass(frozen=True, slots=True)
class OsvFile:
    name: str  # "<id>.json"
    published_at: dt.datetime  # when this revision was published
    content: bytes


ZIP_CACHE_SECONDS = 24 * 3600  # keyed by content state; the timeout only bounds the cache


def public_ecosystems() -> list[str]:
    """Ecosystems with at least one public record, sorted."""
    found = (
        PublishedPackage.objects.filter(advisory__state__in=PUBLIC_STATES)
        .values_list("ecosystem", flat=True)
        .distinct()
    )
    return sorted(set(found))


def public_osv_files(ecosystem: str | None = None) -> list[OsvFile]:
    """Every public record (of one ecosystem, when given), in id order."""
    docs = public_osv_documents()
    if ecosystem is not None:
        docs = docs.filter(
            advisory_id__in=PublishedPackage.objects.filter(ecosystem=ecosystem).values(
                "advisory_id"
            )
        )
    files = [
        OsvFile(f"{_osv_id(path)}.json", published_at, content.encode("utf-8"))
        for path, published_at, content in docs.values_list("path", "published_at", "content")
    ]
    return sorted(files, key=lambda f: f.name)


def _osv_id(path: str) -> str:
    # Stored as /osv/v1/vulns/<id> (render.osv_path).
    return path.rstrip("/").rsplit("/", 1)[-1]


_ECOSYSTEMS = frozenset(e.value for e in Ecosystem)
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry


def _zip_time(when: dt.datetime) -> tuple[int, int, int, int, int, int]:
    utc = when.astimezone(dt.UTC)
    # Zip (DOS) times count seconds in steps of two.
    stamp = (utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second - utc.second % 2)
    return max(stamp, _ZIP_EPOCH)


def osv_zip(files: list[OsvFile]) -> bytes:
    """The zip of ``files``: deterministic (order, times and modes come from the records)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in files:
            info = zipfile.ZipInfo(item.name, date_time=_zip_time(item.published_at))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, item.content)
    return buffer.getvalue()


def write_osv_folder(target: Path) -> int:
    """Write every public record to ``target`` as ``<id>.json``, all at once: into a new folder
    beside it, then renamed into place. A ``target`` that exists must be a folder of an earlier
    export (``.json`` files only); it is replaced. Returns the number of records written."""
    target = target.absolute()
    if target.exists():
        if not target.is_dir():
            raise FileExistsError(f"{target} exists and is not a folder")
        other = [p.name for p in target.iterdir() if not (p.is_file() and p.suffix == ".json")]
        if other:
            raise FileExistsError(
                f"{target} holds other things than an earlier export ({other[0]}); "
                "name a new folder"
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    files = public_osv_files()
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for item in files:
            path = staging / item.name
            path.write_bytes(item.content)
            os.utime(path, (item.published_at.timestamp(), item.published_at.timestamp()))
        staging.chmod(0o755)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            target.rename(old / target.name)
            try:
                staging.rename(target)
            except BaseException:
                (old / target.name).rename(target)  # put the earlier export back
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return len(files)


# --- views ---------------------------------------------------------------------------------


def _cached_zip(ecosystem: str) -> bytes | None:
    """The ecosystem's all.zip, built once per state of its public records: documents are
    only ever added (a revision or withdrawal is a new row), so their count and newest id
    name that state."""
    docs = public_osv_documents().filter(
        advisory_id__in=PublishedPackage.objects.filter(ecosystem=ecosystem).values("advisory_id")
    )
    state = docs.aggregate(n=Count("pk"), last=Max("pk"))
    if not state["n"]:
        return None
    key = f"osv-all-zip:{ecosystem}:{state['n']}:{state['last']}"
    body = cache.get(key)
    if body is None:
        body = osv_zip(public_osv_files(ecosystem))
        cache.set(key, body, timeout=ZIP_CACHE_SECONDS)
    return bytes(body)


def _not_found() -> HttpResponse:
    # One answer for an unknown ecosystem and for one with no public record.
    return HttpResponse(
        "No OSV records for this ecosystem.\n", status=404, content_type="text/plain"
    )


@public("OSV export: only the public records of published (or withdrawn) advisories")
@require_safe
def osv_ecosystem_zip(request: HttpRequest, ecosystem: str) -> HttpResponse:
    if ecosystem not in _ECOSYSTEMS:
        return _not_found()
    body = _cached_zip(ecosystem)
    if body is None:
        return _not_found()
    response = HttpResponse(body, content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="all.zip"'
    return response


@public("OSV export: names the ecosystems that have public records, nothing else")
@require_safe
def osv_ecosystems_txt(request: HttpRequest) -> HttpResponse:
    names = public_ecosystems()
    body = "".join(f"{name}\n" for name in names)
    return HttpResponse(body, content_type="text/plain; charset=utf-8")
