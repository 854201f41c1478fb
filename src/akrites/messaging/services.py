"""Writes of case messages: threads, posts (sealed, labelled, indexed), read markers and
attachments. Each write and its audit event share one transaction; the ``message_posted``
signal goes out only after that commits, and carries ids only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from akrites.audit.services import audit_record
from akrites.cases.keys import case_data_key, seal_for_case
from akrites.cases.models import Case, CaseParticipant
from akrites.cases.selectors import case_resource
from akrites.cases.workflow import note_maintainer_reply
from akrites.crypto.sealing import seal
from akrites.domain.attachments import check_attachment, safe_filename
from akrites.domain.audit import AuditAction
from akrites.domain.errors import Forbidden, InvalidInput, NotFound
from akrites.domain.permissions import Permission
from akrites.domain.policy import Actor, require
from akrites.domain.tlp import Tlp, label_content, parse
from akrites.jobs import enqueue_after_commit
from akrites.messaging import selectors
from akrites.messaging.models import (
    Message,
    MessageAttachment,
    MessageRecipient,
    ReadMarker,
    SearchToken,
    Thread,
    ThreadKind,
)
from akrites.messaging.search import index_tokens
from akrites.messaging.signals import message_posted
from akrites.notifications.tasks import notify_new_message

MAX_BODY_CHARS = 50_000
MAX_ATTACHMENTS = 10
MAX_RECIPIENTS = 200


@dataclass(frozen=True, slots=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


def _audit(actor: Actor, action: AuditAction, case: Case, data: dict[str, object]) -> None:
    audit_record(actor=actor, action=action, target_type="case", target_id=case.number, data=data)


def thread_case_wide(*, actor: Actor, case: Case) -> Thread:
    """The case's case-wide thread, opened the first time anyone who may read the case
    looks for it."""
    selectors.require_case_readable(actor, case)
    existing = Thread.objects.filter(case=case, kind=ThreadKind.CASE).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        thread, created = Thread.objects.get_or_create(case=case, kind=ThreadKind.CASE)
        if created:
            _audit(actor, AuditAction.MESSAGE_THREAD_OPENED, case, {"thread": thread.pk})
    return thread


def thread_open_private(*, actor: Actor, case: Case, user_id: int) -> Thread:
    """A coordinator opens (or returns to) the private thread with one participant."""
    selectors.require_case_readable(actor, case)
    require(actor, Permission.CASE_COORDINATE)
    with transaction.atomic():
        if not CaseParticipant.objects.filter(
            case=case, user_id=user_id, removed_at__isnull=True
        ).exists():
            raise InvalidInput(
                f"that person is not read in to {case.number}: read them in first", field="user"
            )
        thread, created = Thread.objects.get_or_create(
            case=case, kind=ThreadKind.PRIVATE, private_with_id=user_id
        )
        if created:
            _audit(
                actor,
                AuditAction.MESSAGE_THREAD_OPENED,
                case,
                {"thread": thread.pk, "private_with": user_id},
            )
    return thread


def _label(actor: Actor, case: Case, tlp: Tlp | str | None) -> tuple[str | None, bool, Tlp]:
    requested = None if tlp is None or tlp == "" else parse(str(tlp))
    content = label_content(
        selectors.case_label(case), requested, may_lower=selectors.is_coordinator(actor)
    )
    own = content.own.value if content.own else None
    return own, content.lowered, content.effective(selectors.case_label(case))


def _recipients(actor: Actor, case: Case, thread: Thread, wanted: Sequence[int]) -> list[int]:
    ids = sorted({int(i) for i in wanted} - {actor.user_id})
    if len(ids) > MAX_RECIPIENTS:
        raise InvalidInput(
            f"name at most {MAX_RECIPIENTS} recipients, not {len(ids)}", field="recipients"
        )
    eligible = {i for i, _ in selectors.recipients_eligible(actor=actor, case=case, thread=thread)}
    if not set(ids) <= eligible:
        raise InvalidInput(
            "you may name only people who can read this thread"
            + ("" if selectors.is_coordinator(actor) else " and belong to your organisation"),
            field="recipients",
        )
    return ids


def _checked(uploads: Sequence[Upload]) -> list[tuple[str, str, bytes]]:
    if len(uploads) > MAX_ATTACHMENTS:
        raise InvalidInput(f"attach at most {MAX_ATTACHMENTS} files to one message", field="file")
    limit = settings.AKRITES.attachment_max_bytes
    return [
        (
            safe_filename(u.filename),
            check_attachment(
                filename=u.filename, content_type=u.content_type, data=u.data, max_bytes=limit
            ),
            u.data,
        )
        for u in uploads
    ]


def _attach(case: Case, key: bytes, message: Message, file: tuple[str, str, bytes]) -> int:
    name, ctype, data = file
    row = MessageAttachment.objects.create(
        message=message, content_type=ctype, size=len(data), filename_sealed=b"", data_sealed=b""
    )
    row.filename_sealed = seal_for_case(case, key, f"message-attachment-name:{row.pk}", name)
    row.data_sealed = seal(key, data, context=f"{case.number}:message-attachment:{row.pk}")
    row.save(update_fields=["filename_sealed", "data_sealed"])
    return row.pk


def _announce(case: Case, message: Message) -> None:
    message_posted.send(
        sender=Message,
        case_id=case.pk,
        case_number=case.number,
        thread_id=message.thread_id,
        message_id=message.pk,
        author_id=message.author_id,
    )


def message_post(
    *,
    actor: Actor,
    case: Case,
    thread_id: int,
    body: str,
    tlp: Tlp | str | None = None,
    recipients: Sequence[int] = (),
    attachments: Sequence[Upload] = (),
) -> Message:
    """Post to a thread the actor may read. The label is at least the case's (only a
    coordinator may lower it); RED content reaches only the named people and the
    coordinators. Body and files are sealed with the case key; words go to the blind index."""
    thread = selectors.thread_get(actor=actor, case=case, thread_id=thread_id)
    require(actor, Permission.CASE_MESSAGE, case_resource(case))
    if actor.user_id is None or actor.org_id is None:
        raise Forbidden("only a signed-in person may post messages")
    text = body.strip()
    if not text:
        raise InvalidInput("write a message first", field="body")
    if len(text) > MAX_BODY_CHARS:
        raise InvalidInput(
            f"the message is {len(text)} characters; the limit is {MAX_BODY_CHARS}", field="body"
        )
    own, lowered, effective = _label(actor, case, tlp)
    named = _recipients(actor, case, thread, recipients)
    files = _checked(attachments)
    with transaction.atomic():
        key = case_data_key(case)
        message = Message.objects.create(
            thread=thread,
            author_id=actor.user_id,
            author_org_id=actor.org_id,
            tlp_own=own,
            tlp_lowered=lowered,
            body_sealed=b"",
        )
        message.body_sealed = seal_for_case(case, key, f"message:{message.pk}", text)
        message.save(update_fields=["body_sealed"])
        MessageRecipient.objects.bulk_create(
            [MessageRecipient(message=message, user_id=i) for i in named]
        )
        SearchToken.objects.bulk_create(
            [SearchToken(message=message, token_hash=t) for t in sorted(index_tokens(case, text))]
        )
        attached = [_attach(case, key, message, f) for f in files]
        _audit(
            actor,
            AuditAction.MESSAGE_POSTED,
            case,
            {
                "thread": thread.pk,
                "message": message.pk,
                "tlp": effective.value,
                "recipients": named,
                "attachments": attached,
            },
        )
        note_maintainer_reply(case, actor.user_id)
        transaction.on_commit(partial(_announce, case, message))
        # Queued in this transaction: it exists exactly when the message does.
        enqueue_after_commit(notify_new_message, case.number, message.pk, actor.user_id)
    return message


def message_attachment_add(
    *, actor: Actor, case: Case, message_id: int, upload: Upload
) -> MessageAttachment:
    """Attach one more file to one's own message; it takes the message's label."""
    message = selectors.messages_visible_to(actor=actor, case=case).filter(pk=message_id).first()
    if message is None:
        raise NotFound("no such message")
    require(actor, Permission.CASE_MESSAGE, case_resource(case))
    if message.author_id != actor.user_id:
        raise Forbidden("only the author of a message may attach files to it")
    (file,) = _checked([upload])
    _, ctype, data = file
    with transaction.atomic():
        if message.attachments.count() >= MAX_ATTACHMENTS:
            raise InvalidInput(f"a message holds at most {MAX_ATTACHMENTS} files", field="file")
        pk = _attach(case, case_data_key(case), message, file)
        _audit(
            actor,
            AuditAction.MESSAGE_ATTACHMENT_ADDED,
            case,
            {"message": message.pk, "attachment": pk, "size": len(data), "content_type": ctype},
        )
    return MessageAttachment.objects.get(pk=pk)


def message_mark_read(*, actor: Actor, case: Case, thread_id: int, up_to: int | None = None) -> int:
    """Move the actor's own marker forward to the newest message they may see in the thread
    (or up to ``up_to``). Markers never move back. Returns the marker."""
    thread = selectors.thread_get(actor=actor, case=case, thread_id=thread_id)
    if actor.user_id is None:
        return 0
    visible = selectors.messages_visible_to(actor=actor, case=case).filter(thread=thread)
    if up_to is not None:
        visible = visible.filter(pk__lte=up_to)
    newest = visible.aggregate(newest=Max("pk"))["newest"] or 0
    with transaction.atomic():
        marker, _ = ReadMarker.objects.select_for_update().get_or_create(
            user_id=actor.user_id, thread=thread
        )
        if newest <= marker.last_read_message_id:
            return marker.last_read_message_id
        marker.last_read_message_id = newest
        marker.save(update_fields=["last_read_message_id", "updated_at"])
        _audit(actor, AuditAction.MESSAGE_MARKED_READ, case, {"thread": thread.pk, "up_to": newest})
    return newest
