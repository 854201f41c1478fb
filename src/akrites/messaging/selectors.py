"""Reads of case messages. Every list, count, search and download goes through
:func:`messages_visible_to`, so nothing a reader may not see is ever shown or counted.

Who sees what, in order:
1. the case: ``policy`` (SIRT staff see every case; others only cases they are read in to);
2. the thread: SIRT staff see every thread; a participant, the case-wide thread and their
   own private thread;
3. the message: its author and the coordinators always; anyone else as
   :func:`akrites.domain.tlp.may_share` decides from the label, the author's organisation,
   the people the author named (in a private thread, its participant is named too) and the
   organisations read in to the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import BigIntegerField, Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from akrites.accounts.models import User
from akrites.audit.services import audit_record
from akrites.cases.keys import KeyDestroyedError, case_data_key, open_for_case
from akrites.cases.models import Case, CaseOrganisation, CaseParticipant
from akrites.cases.selectors import case_resource
from akrites.crypto.sealing import open_sealed
from akrites.domain.audit import AuditAction
from akrites.domain.errors import NotFound
from akrites.domain.permissions import OrgKind, Permission
from akrites.domain.policy import Actor, OrgId, UserId, authorize
from akrites.domain.tlp import DEFAULT_CASE_LABEL, ContentLabel, Tlp, label, may_share
from akrites.messaging.models import (
    Message,
    MessageAttachment,
    MessageRecipient,
    ReadMarker,
    SearchToken,
    Thread,
    ThreadKind,
)
from akrites.messaging.search import query_tokens

MAX_PAGE = 500


def case_label(case: Case) -> Tlp:
    """The case's TLP label; all content that was not deliberately lowered follows it."""
    return Tlp(case.tlp) if case.tlp else DEFAULT_CASE_LABEL


def content_label(message: Message, case: Case) -> Tlp:
    own = Tlp(message.tlp_own) if message.tlp_own else None
    return ContentLabel(own=own, lowered=message.tlp_lowered).effective(case_label(case))


def is_coordinator(actor: Actor) -> bool:
    return bool(authorize(actor, Permission.CASE_COORDINATE))


def require_case_readable(actor: Actor, case: Case) -> None:
    # Checked again here, not trusted from the caller: hidden and missing look the same.
    if not authorize(actor, Permission.CASE_READ, case_resource(case)):
        raise NotFound("no such case")


def threads_visible_to(*, actor: Actor, case: Case) -> QuerySet[Thread]:
    require_case_readable(actor, case)
    threads = Thread.objects.filter(case=case)
    if authorize(actor, Permission.CASE_READ):  # SIRT staff: every thread of every case
        return threads
    return threads.filter(
        Q(kind=ThreadKind.CASE) | Q(kind=ThreadKind.PRIVATE, private_with_id=actor.user_id)
    )


def thread_get(*, actor: Actor, case: Case, thread_id: int) -> Thread:
    thread = threads_visible_to(actor=actor, case=case).filter(pk=thread_id).first()
    if thread is None:
        raise NotFound("no such thread")
    return thread


def case_orgs(actor: Actor, case: Case) -> frozenset[OrgId]:
    """Organisations read in to the case (for TLP:AMBER). The SIRT reads every case, so a
    SIRT reader's own organisation counts as one of them."""
    invited = CaseOrganisation.objects.filter(case=case, removed_at__isnull=True)
    people = CaseParticipant.objects.filter(case=case, removed_at__isnull=True)
    orgs = {OrgId(o) for o in invited.values_list("organisation_id", flat=True)}
    orgs |= {OrgId(o) for o in people.values_list("organisation_id", flat=True)}
    if actor.is_sirt and actor.org_id is not None and authorize(actor, Permission.CASE_READ):
        orgs.add(actor.org_id)
    return frozenset(orgs)


def _shareable(
    actor: Actor, tlp: Tlp, author_org: OrgId, orgs: frozenset[OrgId], *, named: bool
) -> bool:
    me = UserId(actor.user_id) if actor.user_id is not None else None
    return bool(
        may_share(
            tlp,
            sharer_org=author_org,
            recipient_user=me,
            recipient_org=actor.org_id,
            named_recipients=frozenset({me}) if named and me is not None else frozenset(),
            case_participant_orgs=orgs,
        )
    )


def messages_visible_to(*, actor: Actor, case: Case) -> QuerySet[Message]:
    """THE selector for messages: every read of messages starts here."""
    messages = Message.objects.filter(thread__in=threads_visible_to(actor=actor, case=case))
    if is_coordinator(actor):
        return messages
    me = actor.user_id
    orgs = case_orgs(actor, case)
    named = Q(thread__private_with_id=me) | Q(
        Exists(MessageRecipient.objects.filter(message=OuterRef("pk"), user_id=me))
    )
    allowed = Q(author_id=me)
    # The decision depends on (label, author's organisation, named or not) only, so ask
    # may_share once per distinct (label, organisation) and turn the answers into a filter.
    groups = messages.order_by().values_list("tlp_own", "tlp_lowered", "author_org_id").distinct()
    for own, lowered, org in groups:
        tlp = ContentLabel(own=Tlp(own) if own else None, lowered=lowered).effective(
            case_label(case)
        )
        own_q = Q(tlp_own__isnull=True) if own is None else Q(tlp_own=own)
        group = own_q & Q(tlp_lowered=lowered, author_org_id=org)
        if _shareable(actor, tlp, OrgId(org), orgs, named=False):
            allowed |= group
        elif _shareable(actor, tlp, OrgId(org), orgs, named=True):
            allowed |= group & named
    return messages.filter(allowed)


def unread_counts(*, actor: Actor, case: Case) -> dict[int, int]:
    """Per thread, the messages this reader may see, did not write, and has not read."""
    mark = ReadMarker.objects.filter(user_id=actor.user_id, thread_id=OuterRef("thread_id"))
    since = Coalesce(
        Subquery(mark.values("last_read_message_id")[:1]), 0, output_field=BigIntegerField()
    )
    rows = (
        messages_visible_to(actor=actor, case=case)
        .exclude(author_id=actor.user_id)
        .filter(pk__gt=since)
        .order_by()
        .values("thread_id")
        .annotate(n=Count("pk"))
    )
    return {r["thread_id"]: r["n"] for r in rows}


@dataclass(frozen=True, slots=True)
class ThreadRow:
    id: int
    kind: str
    title: str
    with_user_id: int | None
    unread: int


def thread_title(thread: Thread, actor: Actor) -> str:
    if thread.kind == ThreadKind.CASE:
        return "Case-wide"
    if thread.private_with_id == actor.user_id:
        return "Private, with the coordinators"
    return f"Private: {thread.private_with.email}"


def thread_rows(*, actor: Actor, case: Case) -> list[ThreadRow]:
    """The reader's threads, case-wide first, with their own unread counts."""
    unread = unread_counts(actor=actor, case=case)
    threads = threads_visible_to(actor=actor, case=case).select_related("private_with")
    ordered = sorted(threads, key=lambda t: (t.kind != ThreadKind.CASE, t.pk))
    return [
        ThreadRow(t.pk, t.kind, thread_title(t, actor), t.private_with_id, unread.get(t.pk, 0))
        for t in ordered
    ]


def threads_overview(*, actor: Actor, case: Case) -> list[ThreadRow]:
    """``thread_rows`` for the API: the read is audited."""
    rows = thread_rows(actor=actor, case=case)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.MESSAGE_THREADS_LISTED,
            target_type="case",
            target_id=case.number,
            data={"threads": [r.id for r in rows]},
        )
    return rows


@dataclass(frozen=True, slots=True)
class AttachmentView:
    id: int
    filename: str | None
    content_type: str
    size: int


@dataclass(frozen=True, slots=True)
class MessageView:
    id: int
    thread_id: int
    author_id: int
    author: str
    author_org: str
    tlp: Tlp
    body: str | None  # None: the case key was destroyed
    created_at: datetime
    recipients: list[str]
    recipient_ids: list[int]
    attachments: list[AttachmentView]

    @property
    def label(self) -> str:
        return label(self.tlp)


def _key(case: Case) -> bytes | None:
    try:
        return case_data_key(case)
    except KeyDestroyedError:
        return None


def message_views(case: Case, messages: QuerySet[Message]) -> list[MessageView]:
    """Open already-selected messages. Callers pass a queryset from messages_visible_to."""
    key = _key(case)
    rows = list(
        messages.select_related("author", "author_org").prefetch_related(
            "attachments", "recipients__user"
        )
    )
    out = []
    for m in rows:
        body = open_for_case(case, key, f"message:{m.pk}", bytes(m.body_sealed)) if key else None
        out.append(
            MessageView(
                id=m.pk,
                thread_id=m.thread_id,
                author_id=m.author_id,
                author=m.author.email,
                author_org=m.author_org.name,
                tlp=content_label(m, case),
                body=body,
                created_at=m.created_at,
                recipients=[r.user.email for r in m.recipients.all()],
                recipient_ids=[r.user_id for r in m.recipients.all()],
                attachments=[
                    AttachmentView(
                        a.pk,
                        open_for_case(
                            case, key, f"message-attachment-name:{a.pk}", bytes(a.filename_sealed)
                        )
                        if key
                        else None,
                        a.content_type,
                        a.size,
                    )
                    for a in m.attachments.all()
                ],
            )
        )
    return out


def thread_read(
    *, actor: Actor, case: Case, thread_id: int, after: int | None = None, limit: int = 200
) -> tuple[Thread, list[MessageView]]:
    """A thread's messages the reader may see: the latest ``limit``, or (``after``) the next
    ``limit`` after that id. The read is audited with the ids shown."""
    thread = thread_get(actor=actor, case=case, thread_id=thread_id)
    limit = max(1, min(limit, MAX_PAGE))
    visible = messages_visible_to(actor=actor, case=case).filter(thread=thread)
    if after is None:
        ids = list(visible.order_by("-id").values_list("pk", flat=True)[:limit])
    else:
        ids = list(visible.filter(pk__gt=after).order_by("id").values_list("pk", flat=True)[:limit])
    views = message_views(case, Message.objects.filter(pk__in=ids).order_by("id"))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.MESSAGE_THREAD_READ,
            target_type="case",
            target_id=case.number,
            data={"thread": thread.pk, "messages": sorted(ids)},
        )
    return thread, views


def message_search(*, actor: Actor, case: Case, query: str, limit: int = 100) -> list[MessageView]:
    """Messages containing every word of ``query``, among those the reader may see. The
    query itself is never stored, not even in the audit trail."""
    tokens = query_tokens(case, query)
    found = messages_visible_to(actor=actor, case=case)
    for token in tokens:
        found = found.filter(
            Exists(SearchToken.objects.filter(message=OuterRef("pk"), token_hash=token))
        )
    ids = list(found.order_by("-id").values_list("pk", flat=True)[: max(1, min(limit, MAX_PAGE))])
    views = message_views(case, Message.objects.filter(pk__in=ids).order_by("-id"))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.MESSAGE_SEARCHED,
            target_type="case",
            target_id=case.number,
            data={"words": len(tokens), "messages": sorted(ids)},
        )
    return views


def attachment_open(*, actor: Actor, case: Case, attachment_id: int) -> tuple[str, str, bytes, Tlp]:
    """(filename, content type, bytes, label) of an attachment the reader may see; audited."""
    visible = messages_visible_to(actor=actor, case=case)
    attachment = (
        MessageAttachment.objects.filter(pk=attachment_id, message__in=visible)
        .select_related("message")
        .first()
    )
    if attachment is None:
        raise NotFound("no such attachment")
    key = _key(case)
    if key is None:
        raise NotFound("this attachment was destroyed with the case key")
    name = open_for_case(
        case, key, f"message-attachment-name:{attachment.pk}", bytes(attachment.filename_sealed)
    )
    data = open_sealed(
        key,
        bytes(attachment.data_sealed),
        context=f"{case.number}:message-attachment:{attachment.pk}",
    )
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.MESSAGE_ATTACHMENT_DOWNLOADED,
            target_type="case",
            target_id=case.number,
            data={"message": attachment.message_id, "attachment": attachment.pk},
        )
    return name, attachment.content_type, data, content_label(attachment.message, case)


def recipients_eligible(*, actor: Actor, case: Case, thread: Thread) -> list[tuple[int, str]]:
    """(id, e-mail) of the people the actor may name on a message in ``thread``: people
    who can read the thread; only a coordinator names people outside their own organisation
    (TLP 2.0: only the source addresses people elsewhere)."""
    require_case_readable(actor, case)
    sirt = Q(is_active=True, organisation__kind=OrgKind.SIRT.value)
    if thread.kind == ThreadKind.CASE:
        readers = Q(
            pk__in=CaseParticipant.objects.filter(case=case, removed_at__isnull=True).values(
                "user_id"
            )
        )
    else:
        readers = Q(pk=thread.private_with_id)
    people = User.objects.filter(sirt | readers).exclude(pk=actor.user_id)
    if not is_coordinator(actor):
        people = people.filter(organisation_id=actor.org_id)
    return list(people.order_by("email").values_list("pk", "email"))


def read_marker(*, actor: Actor, thread: Thread) -> int:
    """How far the actor had read ``thread`` (0: nothing yet)."""
    mark = ReadMarker.objects.filter(user_id=actor.user_id, thread=thread).first()
    return mark.last_read_message_id if mark else 0


def private_thread_candidates(*, actor: Actor, case: Case) -> list[tuple[int, str]]:
    """For coordinators: (id, e-mail) of people read in who have no private thread yet."""
    require_case_readable(actor, case)
    if not is_coordinator(actor):
        return []
    taken = Thread.objects.filter(case=case, kind=ThreadKind.PRIVATE).values("private_with_id")
    people = CaseParticipant.objects.filter(case=case, removed_at__isnull=True).exclude(
        user_id__in=taken
    )
    return list(people.order_by("user__email").values_list("user_id", "user__email"))
