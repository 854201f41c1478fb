"""One entry point for "something happened to a case": e-mail to each person who should
know (content-free, or the content encrypted to their own OpenPGP key where they asked for
it) and signed webhooks to the organisations taking part. Never what happened in detail."""

from __future__ import annotations

import re
from collections.abc import Collection

from django.conf import settings
from django.db import transaction

from akrites.accounts.models import User
from akrites.cases.models import Case, CaseOrganisation, CaseParticipant
from akrites.domain.case_events import NOTICE_TEXT, CaseEvent, parse_event
from akrites.domain.permissions import OrgKind, Role
from akrites.jobs import enqueue_after_commit

_PATH = re.compile(r"(?:[A-Za-z0-9_-]+/)*")


def case_url(case_number: str, path: str = "") -> str:
    if not _PATH.fullmatch(path):
        raise ValueError(f"{path!r} is not a path inside the case, such as 'messages/'")
    return f"{settings.AKRITES.base_url}/cases/{case_number}/{path}"


def people_read_in(case: Case) -> list[int]:
    """Everyone read in to the case, and the SIRT's coordinators."""
    users = set(
        CaseParticipant.objects.filter(
            case=case, removed_at__isnull=True, user__is_active=True
        ).values_list("user_id", flat=True)
    )
    users |= set(
        User.objects.filter(
            organisation__kind=OrgKind.SIRT.value,
            is_active=True,
            role_assignments__role=Role.COORDINATOR.value,
        ).values_list("pk", flat=True)
    )
    return sorted(users)


def live_organisations(case: Case) -> set[int]:
    """Organisations taking part in the case now (invited and not removed)."""
    return set(
        CaseOrganisation.objects.filter(case=case, removed_at__isnull=True).values_list(
            "organisation_id", flat=True
        )
    )


def case_event(
    case: Case,
    kind: CaseEvent | str,
    path: str = "",
    *,
    what: str | None = None,
    readers: Collection[int] | None = None,
    message_id: int | None = None,
) -> None:
    """Announce ``kind`` (a :class:`CaseEvent` value such as ``"case.transitioned"``) on
    ``case``: queue one e-mail per person and one signed webhook delivery per matching
    endpoint of each organisation taking part. Call it inside the transaction of the change:
    the jobs commit or roll back with it.

    ``path`` is where the link points inside the case ("" for the case page, "messages/").
    ``what`` replaces the e-mail's default sentence ("has moved to a new state"); it must be
    content-free. ``readers`` restricts the audience to these user ids (default: everyone
    read in and the coordinators); webhooks then go only to organisations one of them
    belongs to, so an event nobody there may see is not announced there either.
    ``message_id`` lets a reader who asked for it receive that message encrypted to their key.
    """
    from akrites.notifications.tasks import send_case_notice
    from akrites.webhooks.services import deliveries_for_case_event

    event = parse_event(kind)
    text = what or NOTICE_TEXT[event]
    url = case_url(case.number, path)
    users = sorted(set(readers)) if readers is not None else people_read_in(case)
    organisations = live_organisations(case)
    if readers is not None:
        organisations &= set(
            User.objects.filter(pk__in=users).values_list("organisation_id", flat=True)
        )
    with transaction.atomic():
        for user_id in users:
            if message_id is None:
                enqueue_after_commit(send_case_notice, user_id, case.number, text, path)
            else:
                enqueue_after_commit(
                    send_case_notice, user_id, case.number, text, path, message_id=message_id
                )
        deliveries_for_case_event(
            case_number=case.number, event=event, url=url, organisation_ids=organisations
        )
