"""The advisory editor's text fields, turned into the record's structure (and back). One
line per affected package (``<purl> <vers range> [no-fix]``), per reference (``<type>
<url>``) and per workaround; CWEs comma-separated."""

from __future__ import annotations

from typing import Any

from akrites.domain.advisory import Advisory, ReferenceType, parse_vers
from akrites.domain.errors import AkritesError, InvalidInput
from akrites.domain.purl import parse_purl

NO_FIX = "no-fix"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def affected_from_text(text: str) -> list[dict[str, Any]]:
    out = []
    for n, line in enumerate(_lines(text)):
        parts = line.split()
        field = f"affected[{n}]"
        try:
            purl = parse_purl(parts[0])
        except AkritesError as exc:
            raise InvalidInput(f"line {n + 1}: {exc.message}", field=field) from None
        no_fix = NO_FIX in parts[1:]
        ranges = [p for p in parts[1:] if p != NO_FIX]
        parsed = []
        for vers in ranges:
            try:
                parsed.extend(parse_vers(vers, purl.type, field=f"{field}.ranges"))
            except AkritesError as exc:
                raise InvalidInput(f"line {n + 1}: {exc.message}", field=exc.field) from None
        out.append(
            {
                "purl": purl.package,
                "ranges": [
                    {"introduced": r.introduced, "fixed": r.fixed, "last_affected": r.last_affected}
                    for r in parsed
                ],
                "no_fix": no_fix,
            }
        )
    return out


def affected_to_text(record: Advisory) -> str:
    from akrites.domain.advisory_versions import package_vers

    lines = []
    for p in record.affected:
        vers = package_vers(p) or ""
        lines.append(" ".join(x for x in (p.purl, vers, NO_FIX if p.no_fix else "") if x))
    return "\n".join(lines)


def references_from_text(text: str) -> list[dict[str, str]]:
    kinds = {t.value for t in ReferenceType}
    out = []
    for n, line in enumerate(_lines(text)):
        parts = line.split(maxsplit=1)
        if len(parts) == 2 and parts[0].lower() in kinds:
            out.append({"type": parts[0].lower(), "url": parts[1].strip()})
        elif len(parts) == 1:
            out.append({"type": "web", "url": parts[0]})
        else:
            raise InvalidInput(
                f"line {n + 1}: write '<type> <url>' with a type among {', '.join(sorted(kinds))}",
                field=f"references[{n}]",
            )
    return out


def record_from_form(post: Any) -> dict[str, Any]:
    """The fields of the editor form as a partial record for ``advisory_update``."""
    cwes = [c.strip() for c in post.get("cwes", "").replace(";", ",").split(",") if c.strip()]
    return {
        "title": post.get("title", ""),
        "description": post.get("description", ""),
        "cve_id": post.get("cve_id", "").strip() or None,
        "cvss_v3": post.get("cvss_v3", "").strip() or None,
        "cvss_v4": post.get("cvss_v4", "").strip() or None,
        "cwes": [{"id": c} for c in cwes],
        "affected": affected_from_text(post.get("affected", "")),
        "references": references_from_text(post.get("references", "")),
        "workarounds": _lines(post.get("workarounds", "")),
    }


def form_initial(record: Advisory) -> dict[str, str]:
    return {
        "title": record.title,
        "description": record.description,
        "cve_id": record.cve_id or "",
        "cvss_v3": record.cvss_v3 or "",
        "cvss_v4": record.cvss_v4 or "",
        "cwes": ", ".join(w.id for w in record.cwes),
        "affected": affected_to_text(record),
        "references": "\n".join(f"{r.type.value} {r.url}" for r in record.references),
        "workarounds": "\n".join(record.workarounds),
    }
