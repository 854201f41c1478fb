"""Who is read in to a case: invitations of organisations, and the people their
administrators (or the coordinators) read in. Removal ends access at once."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from akrites.accounts.models import Organisation, User
from akrites.audit.services import audit_record
from akrites.cases.models import Case, CaseOrganisation, CaseParticipant
from akrites.domain.audit import AuditAction
from akrites.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from akrites.domain.participation import CaseRole, role_fits
from akrites.domain.permissions import OrgKind, Permission
from akrites.domain.policy import Actor, OrgId, OrgResource, authorize, require
from akrites.domain.tlp import Tlp, relabel_case
from akrites.domain.tlp import parse as parse_tlp


def _live_invitation(case: Case, organisation_id: int) -> CaseOrganisation | None:
    return CaseOrganisation.objects.filter(
        case=case, organisation_id=organisation_id, removed_at__isnull=True
    ).first()


def case_invite_organisation(
    *, actor: Actor, case: Case, organisation: Organisation, role: str
) -> CaseOrganisation:
    require(actor, Permission.CASE_COORDINATE)
    try:
        case_role = CaseRole(role)
    except ValueError:
        known = ", ".join(r.value for r in CaseRole)
        raise InvalidInput(
            f"unknown case role '{role}': use one of {known}", field="role"
        ) from None
    if not role_fits(case_role, OrgKind(organisation.kind)):
        raise InvalidInput(
            f"a {organisation.kind} organisation cannot take part as {role}", field="role"
        )
    with transaction.atomic():
        if _live_invitation(case, organisation.pk) is not None:
            raise Conflict(
                f"{organisation.name} is already invited to {case.number}", field="organisation"
            )
        invitation = CaseOrganisation.objects.create(
            case=case,
            organisation=organisation,
            role=case_role.value,
            invited_by_id=actor.user_id,
            invited_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.CASE_ORG_INVITED,
            target_type="case",
            target_id=case.number,
            data={"organisation": organisation.pk, "role": case_role.value},
        )
    return invitation


def _may_manage_person(actor: Actor, user: User) -> bool:
    return bool(authorize(actor, Permission.CASE_COORDINATE)) or bool(
        authorize(actor, Permission.MEMBER_MANAGE, OrgResource(OrgId(user.organisation_id)))
    )


def case_read_in(*, actor: Actor, case: Case, user: User) -> CaseParticipant:
    """Read a person in. Their organisation must be invited; their administrator (or a
    coordinator) decides."""
    if not _may_manage_person(actor, user):
        raise Forbidden(
            "only a coordinator or the person's organisation administrator may read them in"
        )
    if not user.is_active:
        raise InvalidInput(f"{user.email} is deactivated", field="user")
    with transaction.atomic():
        invitation = _live_invitation(case, user.organisation_id)
        if invitation is None:
            raise InvalidInput(
                f"{user.organisation.name} is not invited to {case.number}", field="user"
            )
        if CaseParticipant.objects.filter(case=case, user=user, removed_at__isnull=True).exists():
            raise Conflict(f"{user.email} is already read in", field="user")
        participant = CaseParticipant.objects.create(
            case=case,
            user=user,
            organisation_id=user.organisation_id,
            role=invitation.role,
            added_by_id=actor.user_id,
            added_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.CASE_PARTICIPANT_ADDED,
            target_type="case",
            target_id=case.number,
            data={"user": user.pk, "organisation": user.organisation_id, "role": invitation.role},
        )
    return participant


def case_remove_participant(*, actor: Actor, case: Case, user: User) -> None:
    if not _may_manage_person(actor, user):
        raise Forbidden(
            "only a coordinator or the person's organisation administrator may remove them"
        )
    with transaction.atomic():
        removed = CaseParticipant.objects.filter(
            case=case, user=user, removed_at__isnull=True
        ).update(removed_at=timezone.now())
        if not removed:
            raise NotFound(f"{user.email} is not read in to {case.number}")
        audit_record(
            actor=actor,
            action=AuditAction.CASE_PARTICIPANT_REMOVED,
            target_type="case",
            target_id=case.number,
            data={"user": user.pk},
        )


def case_remove_organisation(*, actor: Actor, case: Case, organisation: Organisation) -> None:
    require(actor, Permission.CASE_COORDINATE)
    with transaction.atomic():
        now = timezone.now()
        invitation = _live_invitation(case, organisation.pk)
        if invitation is None:
            raise NotFound(f"{organisation.name} is not invited to {case.number}")
        invitation.removed_at = now
        invitation.save(update_fields=["removed_at"])
        people = CaseParticipant.objects.filter(
            case=case, organisation=organisation, removed_at__isnull=True
        )
        removed = list(people.values_list("user_id", flat=True))
        people.update(removed_at=now)
        audit_record(
            actor=actor,
            action=AuditAction.CASE_ORG_REMOVED,
            target_type="case",
            target_id=case.number,
            data={"organisation": organisation.pk, "people_removed": removed},
        )


def case_set_tlp(*, actor: Actor, case: Case, tlp: str) -> Case:
    """Relabel a case. Stricter: any coordinator or triager; looser: coordinators only.
    Content that was not deliberately lowered follows the case's label."""
    require(actor, Permission.CASE_TRIAGE)
    new = parse_tlp(tlp)
    current = Tlp(case.tlp)
    relabel_case(current, new, may_lower=bool(authorize(actor, Permission.CASE_COORDINATE)))
    if new is current:
        return case
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(tlp=new.value)
        case.tlp = new.value
        audit_record(
            actor=actor,
            action=AuditAction.CASE_RELABELLED,
            target_type="case",
            target_id=case.number,
            data={"from": current.value, "to": new.value},
        )
    return case
