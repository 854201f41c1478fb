"""Notifications: e-mail that never carries case content in the clear, only that something
happened and where to look (a reader who stored an OpenPGP key and asked for it also gets
the message encrypted to that key). Sent by the worker; queued in the transaction of the
change, retried with back-off when the mail server fails, so none is lost to a crash or an
outage. :func:`akrites.notifications.events.case_event` is the way in."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from akrites.accounts.auth import actor_for_user
from akrites.accounts.models import User
from akrites.audit.services import audit_record
from akrites.cases.keys import KeyDestroyedError
from akrites.cases.models import Case, CaseParticipant
from akrites.crypto.openpgp import OpenPGPEncryptionError, encrypt_to
from akrites.domain.audit import AuditAction
from akrites.domain.case_events import CaseEvent
from akrites.domain.errors import NotFound
from akrites.domain.policy import SYSTEM

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
    own, so one bad mailbox neither blocks nor duplicates the others; and one signed webhook
    per subscribed endpoint of the organisations those people belong to."""
    from akrites.notifications.events import case_event

    case = Case.objects.filter(number=case_number).first()
    if case is None:
        return
    readers = [user.pk for user in message_recipients(case, message_id, author_id)]
    case_event(case, CaseEvent.MESSAGE, "messages/", readers=readers, message_id=message_id)


class LostAccess(Exception):
    """The reader was removed (or the message relabelled) since the notice was queued."""


def _may_read(user: User, case: Case, message_id: int) -> bool:
    from akrites.messaging.selectors import messages_visible_to

    actor = actor_for_user(user, mfa_verified=True)
    try:
        return messages_visible_to(actor=actor, case=case).filter(pk=message_id).exists()
    except NotFound:
        return False


def _message_body(case: Case, message_id: int) -> str | None:
    from akrites.messaging.models import Message
    from akrites.messaging.selectors import message_views

    views = message_views(case, Message.objects.filter(pk=message_id))
    return views[0].body if views else None


def _encrypted_content(user: User, case_number: str, message_id: int | None) -> str | None:
    """The message encrypted to the user's key, if they asked for it and may still read it;
    None otherwise. Raises LostAccess when they may no longer read it at all."""
    if message_id is None:
        return None
    case = Case.objects.filter(number=case_number).first()
    if case is None or not _may_read(user, case, message_id):
        raise LostAccess
    if not (user.notices_encrypted and user.openpgp_key):
        return None
    try:
        body = _message_body(case, message_id)
    except KeyDestroyedError:
        return None
    if body is None:
        return None
    try:
        return encrypt_to(user.openpgp_key, body.encode("utf-8"))
    except OpenPGPEncryptionError:
        # An expired or revoked key: the person still learns that there is something new.
        log.warning(
            "cannot encrypt to the OpenPGP key of user %s; sending the plain notice", user.pk
        )
        return None


def _notice_text(case_number: str, what: str, link: str, content: str | None, fpr: str) -> str:
    if content is None:
        return (
            f"Case {case_number} {what}.\n\nSee it in Akrites (you will be asked to "
            f"sign in):\n{link}\n\nThis e-mail never contains case content."
        )
    return (
        f"Case {case_number} {what}.\n\nAs you asked, the message follows, encrypted to "
        f"your OpenPGP key {fpr}. Only that key can read it.\n\n{content}\n"
        f"See it in Akrites (you will be asked to sign in):\n{link}\n"
    )


@task()
def send_case_notice(
    user_id: int,
    case_number: str,
    what: str,
    path: str,
    attempt: int = 1,
    *,
    message_id: int | None = None,
) -> None:
    """One e-mail: "case AK-... has a new message" and a link; for a reader who stored an
    OpenPGP key and asked for it, also the message encrypted to that key."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    try:
        content = _encrypted_content(user, case_number, message_id)
    except LostAccess:
        return
    link = f"{settings.AKRITES.base_url}/cases/{case_number}/{path}"
    try:
        with transaction.atomic():
            if content is not None:
                # Recorded with the sending: a rolled-back send records nothing.
                audit_record(
                    actor=SYSTEM,
                    action=AuditAction.NOTICE_CONTENT_SENT,
                    target_type="case",
                    target_id=case_number,
                    data={
                        "user": user.pk,
                        "message": message_id,
                        "openpgp_fingerprint": user.openpgp_fingerprint,
                    },
                )
            send_mail(
                subject=f"[Akrites] Case {case_number} {what}",
                message=_notice_text(case_number, what, link, content, user.openpgp_fingerprint),
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
            user_id, case_number, what, path, attempt + 1, message_id=message_id
        )
