"""The advisory workspace of a case (confidential until published): the draft, what it still
needs, the review comments of the participants, and the steps to publication. And the
finder's choice of whether and how to be credited for a report."""

from __future__ import annotations

from datetime import date, datetime, time

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from akrites.accounts.auth import actor_from_request
from akrites.cases import selectors as case_selectors
from akrites.domain.advisory import CreditType, missing_for_publication
from akrites.domain.errors import InvalidInput
from akrites.domain.lifecycle import ADVISORY_TRANSITIONS, advisory_checklist
from akrites.domain.permissions import Permission
from akrites.domain.policy import authorize
from akrites.intake import selectors as intake_selectors
from akrites.publication import services
from akrites.publication.forms import form_initial, record_from_form
from akrites.publication.models import PublishedDocument
from akrites.web.access import requires
from akrites.web.actions import act


def _back(number: str) -> str:
    return f"/cases/{number}/advisory/"


@requires(Permission.CASE_READ)
@require_GET
def advisory_page(request: HttpRequest, number: str) -> HttpResponse:
    actor = actor_from_request(request)
    case = case_selectors.case_open(actor=actor, number=number)
    coordinating = bool(authorize(actor, Permission.CASE_COORDINATE))
    advisory = services.advisory_find(actor=actor, case=case)
    ctx: dict[str, object] = {"case": case, "advisory": advisory, "coordinating": coordinating}
    if advisory is not None:
        record = services.advisory_record(advisory)
        facts = services.advisory_facts(advisory)
        checklist = advisory_checklist(facts)
        labels = {t.name: t.label for t in ADVISORY_TRANSITIONS}
        ctx.update(
            {
                "record": record,
                "missing": missing_for_publication(record),
                "steps": [
                    {"name": name, "label": labels[name], "missing": missing}
                    for name, missing in checklist.items()
                ],
                "may_publish": bool(authorize(actor, Permission.CASE_PUBLISH)),
                "form": form_initial(record),
                "comments": [
                    {"at": c.created_at, "who": c.author.email, "text": services.comment_text(c)}
                    for c in advisory.comments.select_related("author", "advisory__case")
                ],
                "documents": PublishedDocument.objects.filter(advisory=advisory, current=True),
            }
        )
    return render(request, "publication/advisory.html", ctx)


@requires(Permission.CASE_COORDINATE)
@require_POST
def advisory_create(request: HttpRequest, number: str) -> HttpResponse:
    actor = actor_from_request(request)
    case = case_selectors.case_get(actor=actor, number=number)

    def draft() -> str:
        advisory = services.advisory_draft(actor=actor, case=case)
        return f"{advisory.identifier} drafted from the case."

    return act(request, _back(case.number), draft)


@requires(Permission.CASE_COORDINATE)
@require_POST
def advisory_edit(request: HttpRequest, number: str) -> HttpResponse:
    actor = actor_from_request(request)
    case = case_selectors.case_get(actor=actor, number=number)

    def edit() -> str:
        advisory = services.advisory_get(actor=actor, case=case)
        raw = record_from_form(request.POST, services.advisory_record(advisory))
        services.advisory_update(actor=actor, advisory=advisory, raw=raw)
        return "Advisory saved."

    return act(request, _back(case.number), edit)


def _release_at(raw: str) -> datetime | None:
    if not raw.strip():
        return None
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput(f"'{raw}' is not a date (YYYY-MM-DD)", field="release_at") from None
    return datetime.combine(day, time(0, 0), tzinfo=timezone.get_current_timezone())


@requires(Permission.CASE_COORDINATE)
@require_POST
def advisory_step(request: HttpRequest, number: str) -> HttpResponse:
    actor = actor_from_request(request)
    case = case_selectors.case_get(actor=actor, number=number)
    post = request.POST

    def step() -> str:
        advisory = services.advisory_step(
            actor=actor,
            advisory=services.advisory_get(actor=actor, case=case),
            step=post.get("step", ""),
            reason=post.get("reason", ""),
            release_at=_release_at(post.get("release_at", "")),
        )
        return f"{advisory.identifier} is now {advisory.state}."

    return act(request, _back(case.number), step)


@requires(Permission.CASE_READ)
@require_POST
def advisory_comment(request: HttpRequest, number: str) -> HttpResponse:
    actor = actor_from_request(request)
    case = case_selectors.case_get(actor=actor, number=number)

    def comment() -> str:
        advisory = services.advisory_get(actor=actor, case=case)
        services.advisory_comment(actor=actor, advisory=advisory, body=request.POST.get("body", ""))
        return "Comment added."

    return act(request, _back(case.number), comment)


@requires(Permission.REPORT_READ)
@require_POST
def report_credit(request: HttpRequest, tracking_id: str) -> HttpResponse:
    actor = actor_from_request(request)
    report = intake_selectors.report_get(actor=actor, tracking_id=tracking_id)
    post = request.POST

    def choose() -> str:
        services.credit_preference_set(
            actor=actor,
            report=report,
            consent=post.get("consent") == "yes",
            name=post.get("name", ""),
            credit_type=post.get("credit_type", CreditType.FINDER.value),
        )
        return "Your credit preference is saved."

    return act(request, f"/reports/{report.tracking_id}/", choose)
