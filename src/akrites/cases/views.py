"""The SIRT's case list and case page (the full workspace grows from here)."""

from __future__ import annotations

from datetime import date, datetime, time

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from akrites.accounts.auth import actor_from_request
from akrites.accounts.models import Organisation, User
from akrites.cases import selectors, services, workflow
from akrites.cases.embargo import (
    embargo_accept,
    embargo_break,
    embargo_end_early,
    embargo_of,
    embargo_propose,
)
from akrites.cases.models import Case, CaseOrganisation
from akrites.domain.assessment import Severity
from akrites.domain.embargo import BreakReason
from akrites.domain.errors import AkritesError, Conflict, Forbidden, InvalidInput, NotFound
from akrites.domain.lifecycle import CaseState
from akrites.domain.participation import CaseRole
from akrites.domain.permissions import Permission
from akrites.domain.policy import Actor, OrgId, OrgResource, authorize
from akrites.domain.tlp import Tlp
from akrites.web.access import requires


@requires(Permission.CASE_READ)
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """The queue: the SIRT sees every case, others the cases they are read in to. Filters
    by state, component, priority and deadline; the most urgent first."""
    actor = actor_from_request(request)
    queue = selectors.CaseQueueFilter.from_query(request.GET)
    qs = selectors.case_queue(actor=actor, filters=queue)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    rows = [{"case": c, "title": selectors.case_title(c)} for c in page]
    selectors.case_list_audit(actor=actor, cases=[r["case"] for r in rows])
    return render(
        request,
        "cases/list.html",
        {
            "page": page,
            "rows": rows,
            "filters": queue,
            "query": queue.as_query(),
            "states": [s.value for s in CaseState],
            "priorities": [1, 2, 3, 4],
            "deadline_choices": selectors.DEADLINE_WINDOWS,
            "now": timezone.now(),
        },
    )


@requires(Permission.CASE_READ)
@require_GET
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    actor = actor_from_request(request)
    case = selectors.case_open(actor=actor, number=number)
    coordinating = bool(authorize(actor, Permission.CASE_COORDINATE))
    ctx: dict[str, object] = {
        "case": case,
        "title": selectors.case_title(case),
        "case_label": Tlp(case.tlp),
        "labels": [t.value for t in Tlp],
        "can_relabel": bool(authorize(actor, Permission.CASE_TRIAGE)),
        "coordinating": coordinating,
        "my_role": case.participants.filter(user_id=actor.user_id, removed_at__isnull=True)
        .values_list("role", flat=True)
        .first(),
    }
    if authorize(actor, Permission.REPORT_READ):
        ctx["finders"] = selectors.case_finders(case)
    current = embargo_of(case)
    ctx["embargo"] = current
    ctx["break_reasons"] = [r.value for r in BreakReason]
    if current is not None and current.proposal is not None:
        ctx["awaiting"] = list(
            Organisation.objects.filter(pk__in=[int(o) for o in current.awaiting]).values_list(
                "name", flat=True
            )
        )
    ctx["checklist"] = workflow.case_checklist(actor=actor, case=case)
    ctx["timeline"] = selectors.case_timeline(actor=actor, case=case)
    ctx["details"] = workflow.case_details(case)
    ctx["may_fix"] = bool(authorize(actor, Permission.CASE_FIX, selectors.case_resource(case)))
    ctx["severities"] = [s.value for s in Severity]
    if coordinating:
        ctx["invitations"] = case.organisations.filter(removed_at__isnull=True).select_related(
            "organisation"
        )
        ctx["access"] = selectors.case_access(actor=actor, case=case)
        ctx["organisations"] = Organisation.objects.exclude(
            pk__in=[i.organisation_id for i in ctx["invitations"]]
        )  # type: ignore[attr-defined]
        ctx["roles"] = [r.value for r in CaseRole]
    return render(request, "cases/detail.html", ctx)


def _form_error(request: HttpRequest, exc: AkritesError) -> None:
    messages.error(request, exc.message)


@requires(Permission.CASE_COORDINATE)
@require_POST
def case_invite(request: HttpRequest, number: str) -> HttpResponse:
    actor = actor_from_request(request)
    case = selectors.case_get(actor=actor, number=number)
    org = Organisation.objects.filter(pk=request.POST.get("organisation") or 0).first()
    if org is None:
        messages.error(request, "Choose an organisation.")
        return HttpResponseRedirect(f"/cases/{case.number}/")
    try:
        services.case_invite_organisation(
            actor=actor, case=case, organisation=org, role=request.POST.get("role", "")
        )
        messages.success(request, f"{org.name} invited.")
    except (InvalidInput, Conflict) as exc:
        _form_error(request, exc)
    return HttpResponseRedirect(f"/cases/{case.number}/")


@requires(Permission.CASE_COORDINATE)
@require_POST
def case_uninvite(request: HttpRequest, number: str, org_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    case = selectors.case_get(actor=actor, number=number)
    org = Organisation.objects.filter(pk=org_id).first()
    if org is None:
        raise NotFound("no such organisation")
    try:
        services.case_remove_organisation(actor=actor, case=case, organisation=org)
        messages.success(request, f"{org.name} removed; its people lost access.")
    except NotFound as exc:
        _form_error(request, exc)
    return HttpResponseRedirect(f"/cases/{case.number}/")


@requires(Permission.MEMBER_MANAGE)
@require_http_methods(["GET", "POST"])
def organisation_cases(request: HttpRequest) -> HttpResponse:
    """For an organisation's administrator: the cases it is invited to, and who is read in."""
    actor = actor_from_request(request)
    org_id = int(actor.org_id or 0)
    is_admin = bool(authorize(actor, Permission.MEMBER_MANAGE, OrgResource(OrgId(org_id))))
    if request.method == "POST" and is_admin:
        invitation = (
            CaseOrganisation.objects.filter(
                pk=request.POST.get("invitation") or 0,
                organisation_id=org_id,
                removed_at__isnull=True,
            )
            .select_related("case")
            .first()
        )
        member = User.objects.filter(
            pk=request.POST.get("user") or 0, organisation_id=org_id
        ).first()
        if invitation is None or member is None:
            raise NotFound("no such invitation or member")
        try:
            if request.POST.get("action") == "remove":
                services.case_remove_participant(actor=actor, case=invitation.case, user=member)
                messages.success(request, f"{member.email} no longer has access.")
            else:
                services.case_read_in(actor=actor, case=invitation.case, user=member)
                messages.success(request, f"{member.email} is read in to {invitation.case.number}.")
        except (InvalidInput, Conflict, NotFound) as exc:
            _form_error(request, exc)
        return HttpResponseRedirect("/organisation/cases/")
    invitations = CaseOrganisation.objects.filter(
        organisation_id=org_id, removed_at__isnull=True
    ).select_related("case")
    rows = []
    for inv in invitations:
        people = {p.user_id for p in inv.case.participants.filter(removed_at__isnull=True)}
        rows.append({"invitation": inv, "read_in": people})
    return render(
        request,
        "cases/organisation_cases.html",
        {
            "rows": rows,
            "is_admin": is_admin,
            "members": User.objects.filter(organisation_id=org_id, is_active=True),
        },
    )


@requires(Permission.CASE_TRIAGE)
@require_POST
def case_relabel(request: HttpRequest, number: str) -> HttpResponse:
    actor = actor_from_request(request)
    case = selectors.case_get(actor=actor, number=number)
    try:
        services.case_set_tlp(actor=actor, case=case, tlp=request.POST.get("tlp", ""))
        messages.success(request, f"{case.number} is now TLP:{case.tlp}.")
    except (InvalidInput, Forbidden) as exc:
        _form_error(request, exc)
    return HttpResponseRedirect(f"/cases/{case.number}/")


def _embargo_act(actor: Actor, case: Case, post: QueryDict) -> str:
    """Carry out one embargo action from the case page; return what to tell the user."""
    action = post.get("action", "")
    if action == "propose":
        raw = post.get("end_at", "")
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise InvalidInput(f"'{raw}' is not a date (YYYY-MM-DD)", field="end_at") from None
        # The end of that day in the user's own time zone, stored in UTC.
        end_at = datetime.combine(day, time(23, 59), tzinfo=timezone.get_current_timezone())
        embargo_propose(actor=actor, case=case, end_at=end_at)
        return "Embargo date proposed."
    if action == "accept":
        embargo_accept(actor=actor, case=case)
        return "You accepted the proposed date."
    if action == "end":
        embargo_end_early(actor=actor, case=case, reason=post.get("reason", ""))
        return "The embargo has ended early; everyone read in is notified."
    if action == "break":
        embargo_break(
            actor=actor, case=case, reason=post.get("reason", ""), detail=post.get("detail", "")
        )
        return "The embargo is broken; everyone read in is notified."
    raise InvalidInput("unknown embargo action", field="action")


@requires(Permission.CASE_READ)
@require_POST
def case_embargo(request: HttpRequest, number: str) -> HttpResponse:
    """Propose (or counter-propose) a date, accept the pending one, or break the embargo."""
    actor = actor_from_request(request)
    case = selectors.case_get(actor=actor, number=number)
    try:
        messages.success(request, _embargo_act(actor, case, request.POST))
    except (InvalidInput, Conflict, Forbidden) as exc:
        _form_error(request, exc)
    return HttpResponseRedirect(f"/cases/{case.number}/")
