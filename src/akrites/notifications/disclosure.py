"""Disclosing a case to a component's registered security contact: the case title and the
report text, encrypted to the contact's OpenPGP key, by e-mail. Without a key nothing is
sent: confidential content never travels in the clear. Each disclosure is audited."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from akrites.audit.services import audit_record
from akrites.cases.models import Case
from akrites.cases.selectors import case_title
from akrites.crypto.openpgp import OpenPGPEncryptionError, encrypt_to
from akrites.domain.audit import AuditAction
from akrites.domain.errors import Conflict, NotFound
from akrites.domain.policy import SYSTEM
from akrites.domain.purl import PurlError, parse_purl
from akrites.domain.registry import ContactChannel
from akrites.intake.models import Report
from akrites.intake.selectors import report_content
from akrites.registry.models import SecurityContact

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
FIRST_RETRY = timedelta(minutes=1)


class DisclosureRefused(Conflict):
    """Nothing was sent to the contact; the message says what to fix first."""

    code = "disclosure_refused"


class ContactWithoutKey(DisclosureRefused):
    code = "contact_without_openpgp_key"


class ContactKeyUnusable(DisclosureRefused):
    code = "contact_openpgp_key_unusable"


class ContactNotByEmail(DisclosureRefused):
    code = "contact_not_email"


class ContactNotForCase(DisclosureRefused):
    code = "contact_not_for_case"


def _package(purl: str) -> str | None:
    try:
        return parse_purl(purl).package
    except PurlError:
        return None


def _affected_packages(reports: list[dict[str, Any]]) -> set[str]:
    found = set()
    for doc in reports:
        for entry in doc.get("affected") or []:
            package = _package(str(entry.get("purl", "")))
            if package:
                found.add(package)
    return found


def _reports(case: Case) -> list[dict[str, Any]]:
    return [report_content(r) for r in Report.objects.filter(case=case).select_related("case")]


def disclosure_check(*, contact_id: int, case_number: str) -> tuple[SecurityContact, Case]:
    """The contact and the case, if a disclosure may be sent; otherwise the specific reason.
    Call it before queueing :func:`send_contact_disclosure` to refuse at once."""
    contact = SecurityContact.objects.select_related("component").filter(pk=contact_id).first()
    if contact is None:
        raise NotFound("no such security contact")
    case = Case.objects.filter(number=case_number).first()
    if case is None:
        raise NotFound("no such case")
    where = f"the {contact.channel} contact {contact.address} of {contact.component.purl}"
    if not contact.openpgp_key.strip():
        raise ContactWithoutKey(
            f"{where} has no OpenPGP key: add the contact's public key to the registry, or "
            "reach them another way; case content is never sent unencrypted",
            field="contact",
        )
    if contact.channel != ContactChannel.EMAIL.value:
        raise ContactNotByEmail(f"{where} is not an e-mail address", field="contact")
    component = contact.component
    names = {p for p in (_package(component.purl), *map(_package, component.aliases)) if p}
    if not names & _affected_packages(_reports(case)):
        raise ContactNotForCase(
            f"{component.purl} is not among the packages case {case.number} affects",
            field="contact",
        )
    return contact, case


def _section(index: int, doc: dict[str, Any]) -> list[str]:
    lines = [f"--- Report {index} ---", f"Title: {doc.get('title', '')}", ""]
    lines += [str(doc.get("description", "")), ""]
    affected = [
        f"  {entry.get('purl')}"
        + "".join(f" {r.get('vers') or r.get('events')}" for r in entry.get("ranges") or [])
        for entry in doc.get("affected") or []
    ]
    if affected:
        lines += ["Affected:", *affected, ""]
    if doc.get("cwes"):
        lines += ["Weaknesses: " + ", ".join(doc["cwes"]), ""]
    for key, label in (("reproduction", "Reproduction"), ("poc", "Proof of concept")):
        if doc.get(key):
            lines += [f"{label}:", str(doc[key]), ""]
    references = [f"  {r.get('url')} ({r.get('type')})" for r in doc.get("references") or []]
    if references:
        lines += ["References:", *references, ""]
    return lines


def disclosure_text(case: Case, contact: SecurityContact) -> str:
    """What the contact reads once decrypted: the case title and each report's text, but
    not who reported it (finders choose how they are credited, later)."""
    lines = [
        f"Akrites case {case.number}: {case_title(case)}",
        f"Sent to you as a security contact of {contact.component.purl}.",
        "Confidential: do not share until the coordinated disclosure date.",
        "",
    ]
    for index, doc in enumerate(_reports(case), start=1):
        lines += _section(index, doc)
    return "\n".join(lines).rstrip() + "\n"


@task()
def send_contact_disclosure(contact_id: int, case_number: str, attempt: int = 1) -> None:
    """E-mail the case to the contact, encrypted to their key. Refuses (raising the
    specific :class:`DisclosureRefused`, nothing sent) without a usable key."""
    contact, case = disclosure_check(contact_id=contact_id, case_number=case_number)
    try:
        armored = encrypt_to(contact.openpgp_key, disclosure_text(case, contact).encode("utf-8"))
    except OpenPGPEncryptionError as exc:
        raise ContactKeyUnusable(exc.message, field="contact") from None
    body = (
        f"Akrites coordinates a vulnerability report (case {case.number}) about software you "
        f"are listed as a security contact for.\n\nThe report follows, encrypted to your "
        f"OpenPGP key {contact.openpgp_fingerprint}.\n\n{armored}\n"
        "Reply to this e-mail to reach the Akrites coordinators.\n"
    )
    try:
        with transaction.atomic():
            # Recorded with the sending: a failed send (rolled back) records nothing.
            audit_record(
                actor=SYSTEM,
                action=AuditAction.CASE_DISCLOSED,
                target_type="case",
                target_id=case.number,
                data={
                    "contact": contact.pk,
                    "component": contact.component.purl,
                    "address": contact.address,
                    "openpgp_fingerprint": contact.openpgp_fingerprint,
                },
            )
            send_mail(
                subject=f"[Akrites] Confidential vulnerability report, case {case.number}",
                message=body,
                from_email=None,
                recipient_list=[contact.address],
            )
    except OSError:  # the mail server is down or refusing: try again later
        if attempt >= MAX_ATTEMPTS:
            log.exception("giving up disclosing %s to contact %s", case_number, contact_id)
            raise
        delay = FIRST_RETRY * 2 ** (attempt - 1)
        send_contact_disclosure.using(run_after=timezone.now() + delay).enqueue(
            contact_id, case_number, attempt + 1
        )
