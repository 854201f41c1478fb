# No "from __future__ import annotations": django-ninja resolves these annotations at runtime.
"""Who is read in, through the API: coordinators invite and remove organisations, see who
has access and who looked, and relabel the case; an organisation's administrator reads
their own people in to the cases their organisation is invited to."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status

from akrites.accounts.models import Organisation, User
from akrites.cases import selectors, services
from akrites.cases.models import CaseOrganisation
from akrites.domain.errors import NotFound
from akrites.domain.permissions import Permission
from akrites.domain.policy import OrgId, OrgResource, require
from akrites.web.api_access import actor, api_requires

router = Router(tags=["participants"])


class InviteIn(Schema):
    organisation: int = Field(..., description="organisation id")
    role: str = Field(..., description="coordinator | reporter | maintainer | vendor | ...")


class PersonIn(Schema):
    user: int = Field(..., description="a member of your organisation")


class TlpIn(Schema):
    tlp: str = Field(..., description="CLEAR | GREEN | AMBER | AMBER+STRICT | RED")


def _invitations(case_id: int) -> list[dict[str, Any]]:
    return [
        {
            "organisation": inv.organisation_id,
            "name": inv.organisation.name,
            "role": inv.role,
            "invited_at": inv.invited_at.isoformat(),
        }
        for inv in CaseOrganisation.objects.filter(
            case_id=case_id, removed_at__isnull=True
        ).select_related("organisation")
    ]


@router.get("/cases/{number}/organisations", response=list[dict[str, Any]])
@api_requires(Permission.CASE_COORDINATE)
def organisations_list(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    case = selectors.case_open(actor=actor(request), number=number)
    return _invitations(case.pk)


@router.post("/cases/{number}/organisations", response={201: list[dict[str, Any]]})
@api_requires(Permission.CASE_COORDINATE)
def organisation_invite(
    request: HttpRequest, number: str, payload: InviteIn
) -> Status[list[dict[str, Any]]]:
    a = actor(request)
    case = selectors.case_get(actor=a, number=number)
    org = Organisation.objects.filter(pk=payload.organisation).first()
    if org is None:
        raise NotFound("no such organisation")
    services.case_invite_organisation(actor=a, case=case, organisation=org, role=payload.role)
    return Status(201, _invitations(case.pk))


@router.delete("/cases/{number}/organisations/{org_id}", response={204: None})
@api_requires(Permission.CASE_COORDINATE)
def organisation_remove(request: HttpRequest, number: str, org_id: int) -> Status[None]:
    a = actor(request)
    case = selectors.case_get(actor=a, number=number)
    org = Organisation.objects.filter(pk=org_id).first()
    if org is None:
        raise NotFound("no such organisation")
    services.case_remove_organisation(actor=a, case=case, organisation=org)
    return Status(204, None)


@router.get("/cases/{number}/access", response=list[dict[str, Any]])
@api_requires(Permission.CASE_COORDINATE)
def access_list(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    """Who has (or had) access, and how often and when they last looked."""
    a = actor(request)
    case = selectors.case_open(actor=a, number=number)
    return [
        {
            "who": row.who,
            "organisation": row.organisation,
            "role": row.role,
            "since": row.since.isoformat() if row.since else None,
            "until": row.until.isoformat() if row.until else None,
            "views": row.views,
            "last_viewed": row.last_viewed.isoformat() if row.last_viewed else None,
        }
        for row in selectors.case_access(actor=a, case=case)
    ]


@router.put("/cases/{number}/tlp", response=dict[str, Any])
@api_requires(Permission.CASE_TRIAGE)
def case_relabel(request: HttpRequest, number: str, payload: TlpIn) -> dict[str, Any]:
    a = actor(request)
    case = services.case_set_tlp(
        actor=a, case=selectors.case_get(actor=a, number=number), tlp=payload.tlp
    )
    return {"number": case.number, "tlp": case.tlp}


def _own_invitation(request: HttpRequest, invitation_id: int) -> CaseOrganisation:
    a = actor(request)
    require(a, Permission.MEMBER_MANAGE, OrgResource(OrgId(int(a.org_id or 0))))
    invitation = (
        CaseOrganisation.objects.filter(
            pk=invitation_id, organisation_id=a.org_id, removed_at__isnull=True
        )
        .select_related("case")
        .first()
    )
    if invitation is None:
        raise NotFound("no such invitation")
    return invitation


def _member(request: HttpRequest, user_id: int) -> User:
    member = User.objects.filter(pk=user_id, organisation_id=actor(request).org_id).first()
    if member is None:
        raise NotFound("no such member of your organisation")
    return member


@router.get("/organisation/invitations", response=list[dict[str, Any]])
@api_requires(Permission.MEMBER_MANAGE)
def invitations_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The cases your organisation is invited to, and which of your people are read in."""
    a = actor(request)
    require(a, Permission.MEMBER_MANAGE, OrgResource(OrgId(int(a.org_id or 0))))
    out = []
    for inv in CaseOrganisation.objects.filter(
        organisation_id=a.org_id, removed_at__isnull=True
    ).select_related("case"):
        people = inv.case.participants.filter(removed_at__isnull=True, organisation_id=a.org_id)
        out.append(
            {
                "invitation": inv.pk,
                "case": inv.case.number,
                "role": inv.role,
                "invited_at": inv.invited_at.isoformat(),
                "read_in": sorted(people.values_list("user_id", flat=True)),
            }
        )
    return out


@router.post(
    "/organisation/invitations/{invitation_id}/participants", response={201: dict[str, Any]}
)
@api_requires(Permission.MEMBER_MANAGE)
def participant_add(
    request: HttpRequest, invitation_id: int, payload: PersonIn
) -> Status[dict[str, Any]]:
    invitation = _own_invitation(request, invitation_id)
    member = _member(request, payload.user)
    p = services.case_read_in(actor=actor(request), case=invitation.case, user=member)
    return Status(201, {"case": invitation.case.number, "user": member.pk, "role": p.role})


@router.delete(
    "/organisation/invitations/{invitation_id}/participants/{user_id}", response={204: None}
)
@api_requires(Permission.MEMBER_MANAGE)
def participant_remove(request: HttpRequest, invitation_id: int, user_id: int) -> Status[None]:
    invitation = _own_invitation(request, invitation_id)
    member = _member(request, user_id)
    services.case_remove_participant(actor=actor(request), case=invitation.case, user=member)
    return Status(204, None)
