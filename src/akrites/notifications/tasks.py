"""Notifications: e-mail that never carries case content, only that something happened
and where to look. Sent by the worker; queued in the transaction of the change, retried
with back-off when the mail server fails, so none is lost to a crash or an outage."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django_tasks import task

from akrites.accounts.auth import actor_for_user
from akrites.accounts.models import User
from akrites.cases.models import Case, CaseParticipant

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
FIRST_RETRY = timedelta(minutes=1)


def message_recipients(case: Case, message_id: int, author_id: int | None) -> list[User]:
    """Everyone who may read this message (asked of the messaging selector, person by
    person), except its author."""
    from akrites.messaging.selectors import messages_visible_to

    candidates = {
        p.user
        for p in CaseParticipant.objects.filter(
            case=case, removed_at__isnull=True, user__is_active=True
        ).select_related("user__organisation")
    }
    candidates |= set(
        User.objects.filter(
            organisation__kind="sirt", is_active=True, role_assignments__role="coordinator"
        ).select_related("organisation")
    )
    out = []
    for user in sorted(candidates, key=lambda u: u.pk):
        if user.pk == author_id:
            continue
        actor = actor_for_user(user, mfa_verified=True)
        if messages_visible_to(actor=actor, case=case).filter(pk=message_id).exists():
            out.append(user)
    return out


@task()
def notify_new_message(case_number: str, message_id: int, author_id: int | None) -> None:
    """Fan out: one delivery job per person who may read the message, each retried on its
    own, so one bad mailbox neither blocks nor duplicates the others."""
    case = Case.objects.filter(number=case_number).first()
    if case is None:
        return
    for user in message_recipients(case, message_id, author_id):
        send_case_notice.enqueue(user.pk, case.number, "has a new message", "messages/")


@task()
def send_case_notice(
    user_id: int, case_number: str, what: str, path: str, attempt: int = 1
) -> None:
    """One content-free e-mail: "case AK-... has a new message" and a link."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    link = f"{settings.AKRITES.base_url}/cases/{case_number}/{path}"
    try:
        send_mail(
            subject=f"[Akrites] Case {case_number} {what}",
            message=(
                f"Case {case_number} {what}.\n\nSee it in Akrites (you will be asked to "
                f"sign in):\n{link}\n\nThis e-mail never contains case content."
            ),
            from_email=None,
            recipient_list=[user.email],
        )
    except OSError:  # the mail server is down or refusing: try again later, never drop it
        if attempt >= MAX_ATTEMPTS:
            log.exception(
                "giving up notifying user %s about %s after %d attempts",
                user_id,
                case_number,
                attempt,
            )
            raise
        delay = FIRST_RETRY * 2 ** (attempt - 1)
        log.warning(
            "notification to user %s about %s failed; retrying in %s", user_id, case_number, delay
        )
        send_case_notice.using(run_after=timezone.now() + delay).enqueue(
            user_id, case_number, what, path, attempt + 1
        )
