"""The advisory editor's text fields, turned into the record's structure (and back). One
line per affected package (``<purl> <vers range> [no-fix]``), per reference (``<type>
<url>``) and per workaround; CWEs comma-separated."""

from __future__ import annotations

from typing import Any

from akrites.domain.advisory import Advisory, CreditType, ReferenceType, parse_vers
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


FINDER_TYPES = frozenset({"finder", "reporter"})  # finders choose their own credit


def credits_from_text(
    text: str, *, consent: bool, agreed: frozenset[tuple[str, str]] = frozenset()
) -> list[dict[str, Any]]:
    """Other credits, one per line: ``<type> <name>`` (e.g. ``remediation_developer Jane
    Doe``). A line already agreed keeps its consent; for new lines the coordinator attests
    that everyone agreed (``consent``), or the advisory refuses them."""
    kinds = {t.value for t in CreditType} - FINDER_TYPES
    out: list[dict[str, Any]] = []
    for n, line in enumerate(_lines(text)):
        parts = line.split(maxsplit=1)
        if len(parts) != 2 or parts[0].lower() not in kinds:
            raise InvalidInput(
                f"line {n + 1}: write '<type> <name>' with a type among {', '.join(sorted(kinds))}"
                " (finders choose their own credit on their report)",
                field=f"credits[{n}]",
            )
        kind, name = parts[0].lower(), parts[1].strip()
        out.append({"type": kind, "name": name, "consent": consent or (kind, name) in agreed})
    return out


def credits_to_text(record: Advisory) -> str:
    return "\n".join(
        f"{c.type.value} {c.name}" for c in record.credits if c.type.value not in FINDER_TYPES
    )


def record_from_form(post: Any, current: Advisory) -> dict[str, Any]:
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
        "credits": [
            # The finders' credits are theirs (chosen on their reports): kept as they are.
            *(
                {"name": c.name, "type": c.type.value, "consent": c.consent}
                for c in current.credits
                if c.type.value in FINDER_TYPES
            ),
            *credits_from_text(
                post.get("credits", ""),
                consent=post.get("consent") == "yes",
                agreed=frozenset((c.type.value, c.name) for c in current.credits if c.consent),
            ),
        ],
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
        "credits": credits_to_text(record),
    }
