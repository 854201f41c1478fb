"""``akrites export``: one advisory's document in one format, or every public OSV record.

    akrites export KIND ADVISORY_ID [--out FILE] [--draft]
    akrites export osv --published --out DIR

A published (or withdrawn) advisory exports its current document, byte for byte as served and
signed. An advisory still under embargo exports nothing unless the operator asks for the draft
rendering (``--draft``), which is written from the sealed record and audited as a read of the
case. Only the standard library is imported here: the parser is built before Django is set up.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from akrites.publication.models import Advisory

# The kinds of render.KINDS (not imported: that module needs Django set up).
KINDS = ("osv", "cve", "csaf", "csaf-vex", "openvex", "cyclonedx")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``export`` on the ``akrites`` command's subparsers."""
    text = (
        "Print an advisory's published document in one format, or its draft rendering "
        "(--draft); or write every public OSV record to a folder (osv --published --out DIR)."
    )
    p: argparse.ArgumentParser = subparsers.add_parser("export", help=text, description=text)
    p.add_argument("kind", choices=KINDS, metavar="KIND", help=f"one of {', '.join(KINDS)}")
    p.add_argument(
        "advisory_id",
        nargs="?",
        metavar="ADVISORY_ID",
        help="the advisory, e.g. AKR-2026-0042 (or its OSV id, x_AKR-2026-0042)",
    )
    p.add_argument(
        "--out",
        help="write to this file instead of standard output; with --published, the folder",
    )
    p.add_argument(
        "--draft",
        action="store_true",
        help="render the advisory's current record even though it is not published "
        "(confidential: the read is audited)",
    )
    p.add_argument(
        "--published",
        action="store_true",
        help="every published or withdrawn advisory's OSV record, one <id>.json each, "
        "into the folder --out (replaced at once if it holds an earlier export)",
    )
    p.set_defaults(handler=cmd_export)
    return p


def cmd_export(args: argparse.Namespace) -> int:
    from akrites.cli import _django

    _django()
    from akrites.domain.errors import InvalidInput

    if args.published:
        if args.kind != "osv":
            raise InvalidInput("--published exports OSV records only: use 'export osv'")
        if args.advisory_id or args.draft:
            raise InvalidInput(
                "--published exports every public record: give no ADVISORY_ID and no --draft",
                field="--published",
            )
        if not args.out:
            raise InvalidInput("give the folder to write to with --out DIR", field="--out")
        return _export_published(Path(args.out))
    if not args.advisory_id:
        raise InvalidInput(
            "name the advisory (e.g. AKR-2026-0042), or use --published", field="ADVISORY_ID"
        )
    text = _document_text(args.kind, args.advisory_id, draft=args.draft)
    if args.out:
        _write_atomically(Path(args.out), text.encode("utf-8"))
        print(f"wrote {args.kind} of {args.advisory_id} to {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def _export_published(folder: Path) -> int:
    from akrites.domain.errors import InvalidInput
    from akrites.publication.osv_exports import write_osv_folder

    try:
        count = write_osv_folder(folder)
    except FileExistsError as exc:
        raise InvalidInput(str(exc), field="--out") from None
    print(f"wrote {count} OSV record(s) to {folder}")
    return 0


def _missing(kind: str, identifier: str) -> str:
    if kind == "cve":
        return (
            f"{identifier} has no CVE record: one is written only for an advisory with a CVE id, "
            "and only when AKRITES_CVE_ORG_ID is set"
        )
    return f"{identifier} has no {kind} document"


def _document_text(kind: str, given: str, *, draft: bool) -> str:
    from akrites.domain.errors import Conflict, NotFound
    from akrites.domain.formats.osv_writer import advisory_id_from_osv
    from akrites.publication.models import Advisory, PublishedDocument
    from akrites.publication.selectors import PUBLIC_STATES

    identifier = advisory_id_from_osv(given.strip()) or given.strip()
    row = Advisory.objects.select_related("case").filter(identifier=identifier).first()
    if row is None:
        raise NotFound(f"no advisory {given}", field="ADVISORY_ID")
    if draft:
        return _draft_text(row, kind)
    if row.state not in PUBLIC_STATES:
        raise Conflict(
            f"{identifier} is not published (it is {row.state}); "
            "add --draft to export its draft rendering",
            field="ADVISORY_ID",
        )
    document = PublishedDocument.objects.filter(advisory=row, kind=kind, current=True).first()
    if document is None:
        raise NotFound(_missing(kind, identifier), field="KIND")
    return str(document.content)


def _draft_text(row: Advisory, kind: str) -> str:
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from akrites.audit.services import audit_record
    from akrites.domain.audit import AuditAction
    from akrites.domain.errors import InvalidInput, NotFound
    from akrites.domain.policy import SYSTEM
    from akrites.publication import render, services

    with transaction.atomic():
        audit_record(
            actor=SYSTEM,
            action=AuditAction.CASE_VIEWED,
            target_type="case",
            target_id=row.case.number,
            data={"advisory": row.identifier, "export": kind, "draft": True},
        )
    record = services.advisory_record(row)
    now = timezone.now().replace(microsecond=0)
    try:
        rendered = render.render_all(record, render.context(now, settings.AKRITES.base_url))
    except render.InvalidDocument as exc:
        raise InvalidInput(
            f"the draft cannot be rendered yet: {exc}", field="ADVISORY_ID"
        ) from None
    for doc in rendered:
        if doc.kind == kind:
            return doc.text
    raise NotFound(_missing(kind, row.identifier), field="KIND")


def _write_atomically(path: Path, data: bytes) -> None:
    """The whole file or none: written beside ``path``, then renamed over it."""
    folder = path.absolute().parent
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        Path(temporary).chmod(0o644)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
