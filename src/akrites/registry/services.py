"""Every write to the component registry."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction

from akrites.accounts.models import Organisation
from akrites.audit.services import audit_record
from akrites.crypto.openpgp import parse_public_key
from akrites.domain.audit import AuditAction
from akrites.domain.errors import Conflict, InvalidInput, NotFound
from akrites.domain.permissions import OrgKind, Permission
from akrites.domain.policy import Actor, require
from akrites.domain.purl import PurlError, ecosystem_for_purl, parse_ecosystem, parse_purl
from akrites.domain.registry import Confidence, ContactChannel, ContactRole, Sector
from akrites.registry.models import Component, SecurityContact
from akrites.registry.selectors import component_resource as _resource

_https = URLValidator(schemes=["https", "http"])


def _url(value: str, field: str) -> str:
    value = value.strip()
    if not value:
        return ""
    try:
        _https(value)
    except ValidationError:
        raise InvalidInput(f"'{value}' is not a valid http(s) URL", field=field) from None
    return value


def _sectors(values: Iterable[str]) -> list[str]:
    out: set[str] = set()
    for raw in values:
        try:
            out.add(Sector(raw.strip().lower()).value)
        except ValueError:
            known = ", ".join(s.value for s in Sector)
            raise InvalidInput(
                f"unknown sector '{raw}': use one of {known}", field="sectors"
            ) from None
    return sorted(out)


def _enum(enum: type[Any], raw: str, field: str) -> str:
    try:
        return str(enum(raw.strip()).value)
    except ValueError:
        known = ", ".join(m.value for m in enum)
        raise InvalidInput(f"unknown {field} '{raw}': use one of {known}", field=field) from None


def _aliases(values: Iterable[str], own: str) -> list[str]:
    out: set[str] = set()
    for position, raw in enumerate(values):
        try:
            parsed = parse_purl(raw.strip())
            ecosystem_for_purl(parsed)
        except PurlError as exc:
            raise InvalidInput(str(exc), field=f"aliases[{position}]") from None
        if parsed.package != own:
            out.add(parsed.package)
    return sorted(out)


def _bump_alias_version() -> None:
    """Every process rebuilds its deduplication engine when package aliases change."""
    from django.db.models import F

    from akrites.cases.models import Mutex

    Mutex.objects.get_or_create(name="dedup")
    Mutex.objects.filter(name="dedup").update(version=F("version") + 1)


def _maintainer(org: Organisation | None) -> Organisation | None:
    if org is not None and org.kind != OrgKind.MAINTAINER.value:
        raise InvalidInput(
            f"'{org.name}' is a {org.kind} organisation, not a maintainer", field="maintainer_org"
        )
    return org


def component_create(
    *,
    actor: Actor,
    purl: str,
    ecosystem: str | None = None,
    repository_url: str = "",
    description: str = "",
    critical: bool = False,
    sectors: Iterable[str] = (),
    maintainer_org: Organisation | None = None,
    aliases: Iterable[str] = (),
) -> Component:
    require(actor, Permission.COMPONENT_CREATE)
    try:
        parsed = parse_purl(purl)
        eco = ecosystem_for_purl(parsed)
    except PurlError as exc:
        raise InvalidInput(str(exc), field="purl") from None
    if parsed.version or parsed.qualifiers or parsed.subpath:
        raise InvalidInput(
            f"a component is a package, not a release: use '{parsed.package}' without a "
            "version, qualifiers or subpath",
            field="purl",
        )
    if ecosystem:
        try:
            given = parse_ecosystem(ecosystem)
        except PurlError as exc:
            raise InvalidInput(str(exc), field="ecosystem") from None
        if given != eco:
            raise InvalidInput(f"the purl is a {eco} package, not {given}", field="ecosystem")
    sector_list = _sectors(sectors)
    if critical and not sector_list:
        raise InvalidInput("a critical component needs at least one sector", field="sectors")
    fields: dict[str, Any] = {
        "purl": parsed.package,
        "ecosystem": str(eco),
        "namespace": parsed.namespace or "",
        "name": parsed.name,
        "repository_url": _url(repository_url, "repository_url"),
        "description": description.strip(),
        "critical": critical,
        "sectors": sector_list,
        "maintainer_org": _maintainer(maintainer_org),
        "aliases": _aliases(aliases, parsed.package),
    }
    with transaction.atomic():
        if Component.objects.filter(purl=parsed.package).exists():
            raise Conflict(f"the component {parsed.package} is already registered", field="purl")
        try:
            with transaction.atomic():
                component = Component.objects.create(**fields)
        except IntegrityError:
            raise Conflict(
                f"the component {parsed.package} is already registered", field="purl"
            ) from None
        if fields["aliases"]:
            _bump_alias_version()
        audit_record(
            actor=actor,
            action=AuditAction.COMPONENT_CREATED,
            target_type="component",
            target_id=component.pk,
            data={
                "purl": component.purl,
                "critical": critical,
                "sectors": sector_list,
                "maintainer_org": maintainer_org.pk if maintainer_org else None,
            },
        )
    return component


_UNSET: Any = object()


def component_update(
    *,
    actor: Actor,
    component: Component,
    repository_url: str | None = None,
    description: str | None = None,
    critical: bool | None = None,
    sectors: Iterable[str] | None = None,
    maintainer_org: Organisation | None = _UNSET,
    aliases: Iterable[str] | None = None,
) -> Component:
    require(actor, Permission.COMPONENT_EDIT, _resource(component))
    changes: dict[str, Any] = {}
    if repository_url is not None:
        changes["repository_url"] = _url(repository_url, "repository_url")
    if description is not None:
        changes["description"] = description.strip()
    classifying = (
        critical is not None
        or sectors is not None
        or maintainer_org is not _UNSET
        or aliases is not None
    )
    if classifying:
        # Criticality and ownership are the SIRT's call, not the maintainer's.
        require(actor, Permission.COMPONENT_CLASSIFY, _resource(component))
        if critical is not None:
            changes["critical"] = critical
        if sectors is not None:
            changes["sectors"] = _sectors(sectors)
        if maintainer_org is not _UNSET:
            changes["maintainer_org"] = _maintainer(maintainer_org)
        if aliases is not None:
            changes["aliases"] = _aliases(aliases, component.purl)
    new_critical = changes.get("critical", component.critical)
    if new_critical and not changes.get("sectors", component.sectors):
        raise InvalidInput("a critical component needs at least one sector", field="sectors")
    diff = {
        k: (v.pk if isinstance(v, Organisation) else v)
        for k, v in changes.items()
        if getattr(component, k) != v
    }
    if not diff:
        return component
    with transaction.atomic():
        for key, value in changes.items():
            setattr(component, key, value)
        component.save()
        if "aliases" in diff:
            _bump_alias_version()
        audit_record(
            actor=actor,
            action=AuditAction.COMPONENT_UPDATED,
            target_type="component",
            target_id=component.pk,
            data={"changed": diff},
        )
    return component


def _contact_address(channel: str, address: str) -> str:
    address = address.strip()
    if not address:
        raise InvalidInput("the contact needs an address", field="address")
    if channel == ContactChannel.EMAIL:
        try:
            validate_email(address)
        except ValidationError:
            raise InvalidInput(
                f"'{address}' is not a valid e-mail address", field="address"
            ) from None
        return address.lower()
    url = _url(address, "address")
    if channel == ContactChannel.GITHUB_PRIVATE_REPORTING and not url.startswith(
        "https://github.com/"
    ):
        raise InvalidInput(
            "GitHub private reporting needs the repository's https://github.com/OWNER/REPO URL",
            field="address",
        )
    return url


def contact_add(
    *,
    actor: Actor,
    component: Component,
    channel: str,
    address: str,
    role: str = ContactRole.SECURITY_TEAM.value,
    confidence: str = Confidence.INFERRED.value,
    openpgp_key: str = "",
) -> SecurityContact:
    require(actor, Permission.CONTACT_MANAGE, _resource(component))
    channel_v = _enum(ContactChannel, channel, "channel")
    fields: dict[str, Any] = {
        "component": component,
        "channel": channel_v,
        "address": _contact_address(channel_v, address),
        "role": _enum(ContactRole, role, "role"),
        "confidence": _enum(Confidence, confidence, "confidence"),
    }
    if openpgp_key.strip():
        key = parse_public_key(openpgp_key)
        fields["openpgp_key"] = key.armored
        fields["openpgp_fingerprint"] = key.fingerprint
    with transaction.atomic():
        if SecurityContact.objects.filter(
            component=component, channel=channel_v, address=fields["address"]
        ).exists():
            raise Conflict("this contact is already listed for the component", field="address")
        contact = SecurityContact.objects.create(**fields)
        audit_record(
            actor=actor,
            action=AuditAction.CONTACT_ADDED,
            target_type="component",
            target_id=component.pk,
            data={
                "contact": contact.pk,
                "channel": channel_v,
                "address": contact.address,
                "openpgp_fingerprint": contact.openpgp_fingerprint,
            },
        )
    return contact


def contact_remove(*, actor: Actor, contact_id: int) -> None:
    contact = SecurityContact.objects.select_related("component").filter(pk=contact_id).first()
    if contact is None:
        raise NotFound("no such contact")
    require(actor, Permission.CONTACT_MANAGE, _resource(contact.component))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.CONTACT_REMOVED,
            target_type="component",
            target_id=contact.component_id,
            data={"contact": contact.pk, "address": contact.address},
        )
        contact.delete()
