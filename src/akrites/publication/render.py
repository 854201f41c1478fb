"""Every public document of one advisory revision: written by the pure writers, checked
against its official schema, hashed and signed, then stored with the package index, all in
the caller's transaction. Nothing here commits; a failure anywhere leaves nothing behind."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from akrites.domain.advisory import Advisory
from akrites.domain.formats.csaf_writer import CsafProfile, advisory_to_csaf, csaf_url
from akrites.domain.formats.cve5_writer import cve_record
from akrites.domain.formats.cyclonedx_vex_writer import advisory_to_cyclonedx
from akrites.domain.formats.openvex_writer import advisory_to_openvex
from akrites.domain.formats.osv_writer import advisory_to_osv, osv_id
from akrites.domain.formats.publication import PublicationContext
from akrites.domain.formats.schemas import SchemaName, schema_errors
from akrites.domain.osv_match import normalise_name
from akrites.publication.models import Advisory as AdvisoryRow
from akrites.publication.models import PublishedDocument, PublishedPackage
from akrites.publication.signing import signer

KINDS = ("osv", "cve", "csaf", "csaf-vex", "openvex", "cyclonedx")


class InvalidDocument(RuntimeError):
    """A writer produced a document its schema refuses: a bug, never published."""


@dataclass(frozen=True, slots=True)
class Rendered:
    kind: str
    path: str
    document: dict[str, Any]

    @property
    def text(self) -> str:
        return json.dumps(self.document, indent=2, ensure_ascii=False) + "\n"


def context(now: dt.datetime, base_url: str) -> PublicationContext:
    return PublicationContext(
        namespace=base_url,
        base_url=base_url,
        generated=now,
        publisher=settings.AKRITES.publisher_name,
        engine="Akrites",
    )


def osv_path(advisory_id: str) -> str:
    return f"/osv/v1/vulns/{osv_id(advisory_id)}"


def render_all(record: Advisory, ctx: PublicationContext) -> list[Rendered]:
    """The documents of one revision, each checked against its schema."""
    base = f"/advisories/{record.id}"
    out = [
        Rendered("osv", osv_path(record.id), advisory_to_osv(record, ctx)),
        Rendered(
            "csaf",
            urlsplit(csaf_url(record, ctx, CsafProfile.SECURITY_ADVISORY)).path,
            advisory_to_csaf(record, ctx, profile=CsafProfile.SECURITY_ADVISORY),
        ),
        Rendered(
            "csaf-vex",
            f"{base}/csaf-vex.json",
            advisory_to_csaf(record, ctx, profile=CsafProfile.VEX),
        ),
        Rendered("openvex", f"{base}/openvex.json", advisory_to_openvex(record, ctx)),
        Rendered("cyclonedx", f"{base}/cyclonedx.json", advisory_to_cyclonedx(record, ctx)),
    ]
    org = settings.AKRITES.cve_org_id
    if record.cve_id and org:
        out.append(
            Rendered(
                "cve",
                f"{base}/cve.json",
                cve_record(record, ctx, org_id=org, short_name=settings.AKRITES.publisher_name),
            )
        )
    checks: dict[str, SchemaName] = {
        "osv": SchemaName.OSV,
        "csaf": SchemaName.CSAF,
        "csaf-vex": SchemaName.CSAF,
        "openvex": SchemaName.OPENVEX,
        "cyclonedx": SchemaName.CYCLONEDX,
        "cve": SchemaName.CVE_RECORD,
    }
    for doc in out:
        errors = schema_errors(checks[doc.kind], doc.document)
        if errors:
            raise InvalidDocument(f"{doc.kind} of {record.id} fails its schema: {errors[0]}")
    return out


def store(
    row: AdvisoryRow,
    record: Advisory,
    *,
    now: dt.datetime,
    base_url: str,
    sign: Callable[[bytes], Any] | None = None,
) -> list[PublishedDocument]:
    """Write the revision's documents and package index (in the caller's transaction).
    ``sign`` defaults to the instance's current key, looked up once for all documents."""
    sign = sign or signer()
    rendered = render_all(record, context(now, base_url))
    PublishedDocument.objects.filter(advisory=row, current=True).update(current=False)
    stored = []
    for doc in rendered:
        text = doc.text
        data = text.encode("utf-8")
        signature = sign(data)
        stored.append(
            PublishedDocument.objects.create(
                advisory=row,
                kind=doc.kind,
                path=doc.path,
                content=text,
                sha256=hashlib.sha256(data).hexdigest(),
                sha512=hashlib.sha512(data).hexdigest(),
                signature=signature.armored,
                signing_key=signature.fingerprint,
                revision=row.revision,
                published_at=now,
                current=True,
            )
        )
    PublishedPackage.objects.filter(advisory=row).delete()
    PublishedPackage.objects.bulk_create(
        [
            PublishedPackage(
                advisory=row,
                ecosystem=p.ecosystem.value,
                name=p.name,
                name_key=normalise_name(p.ecosystem.value, p.name),
                purl=p.purl,
            )
            for p in record.affected
        ]
    )
    return stored
