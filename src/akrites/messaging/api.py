# No "from __future__ import annotations": django-ninja resolves these annotations at runtime.
"""Case messages API: threads, messages, read markers, search, attachments. Every read
goes through the same selectors as the pages, so the API never shows more."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router, Schema
from ninja.responses import Status

from akrites.cases.models import Case
from akrites.cases.selectors import case_get
from akrites.domain.errors import InvalidInput
from akrites.domain.permissions import Permission
from akrites.domain.tlp import label
from akrites.messaging import selectors, services
from akrites.messaging.models import Message
from akrites.messaging.views import attachment_response
from akrites.web.api_access import actor, api_requires

router = Router(tags=["messages"])


class ThreadOut(Schema):
    id: int
    kind: str
    title: str
    with_user: int | None
    unread: int


class AttachmentOut(Schema):
    id: int
    filename: str | None
    content_type: str
    size: int
    tlp: str


class MessageOut(Schema):
    id: int
    thread: int
    author: str
    author_org: str
    tlp: str
    body: str | None
    created_at: str
    recipients: list[int]
    attachments: list[AttachmentOut]


class PostIn(Schema):
    body: str
    tlp: str | None = None
    recipients: list[int] = []


class PrivateIn(Schema):
    user: int


class ReadIn(Schema):
    up_to: int | None = None


def _case(request: HttpRequest, number: str) -> Case:
    return case_get(actor=actor(request), number=number)


def _thread(row: selectors.ThreadRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "title": row.title,
        "with_user": row.with_user_id,
        "unread": row.unread,
    }


def _message(m: selectors.MessageView) -> dict[str, Any]:
    return {
        "id": m.id,
        "thread": m.thread_id,
        "author": m.author,
        "author_org": m.author_org,
        "tlp": m.label,
        "body": m.body,
        "created_at": m.created_at.isoformat(),
        "recipients": m.recipient_ids,
        "attachments": [
            {
                "id": a.id,
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "tlp": m.label,
            }
            for a in m.attachments
        ],
    }


@router.get("/cases/{number}/threads", response=list[ThreadOut])
@api_requires(Permission.CASE_READ)
def thread_list(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    """The threads you may read in the case, with your unread counts."""
    case = _case(request, number)
    services.thread_case_wide(actor=actor(request), case=case)
    return [_thread(r) for r in selectors.threads_overview(actor=actor(request), case=case)]


@router.post("/cases/{number}/threads", response={201: ThreadOut})
@api_requires(Permission.CASE_COORDINATE)
def thread_open_private(request: HttpRequest, number: str, payload: PrivateIn) -> Status[ThreadOut]:
    """Coordinators: open (or return to) the private thread with one participant."""
    a = actor(request)
    case = _case(request, number)
    thread = services.thread_open_private(actor=a, case=case, user_id=payload.user)
    rows = {r.id: r for r in selectors.thread_rows(actor=a, case=case)}
    return Status(201, _thread(rows[thread.pk]))


@router.get("/cases/{number}/threads/{thread_id}/messages", response=list[MessageOut])
@api_requires(Permission.CASE_READ)
def message_list(
    request: HttpRequest, number: str, thread_id: int, after: int | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """Messages you may read: the latest `limit`, or the `limit` after message id `after`."""
    case = _case(request, number)
    _, views = selectors.thread_read(
        actor=actor(request), case=case, thread_id=thread_id, after=after, limit=limit
    )
    return [_message(m) for m in views]


@router.post("/cases/{number}/threads/{thread_id}/messages", response={201: MessageOut})
@api_requires(Permission.CASE_MESSAGE)
def message_post(
    request: HttpRequest, number: str, thread_id: int, payload: PostIn
) -> Status[MessageOut]:
    """Post a message. `tlp` defaults to the case's label; only coordinators may go below
    it. TLP:RED messages reach only `recipients` (user ids) and the coordinators."""
    a = actor(request)
    case = _case(request, number)
    posted = services.message_post(
        actor=a,
        case=case,
        thread_id=thread_id,
        body=payload.body,
        tlp=payload.tlp,
        recipients=payload.recipients,
    )
    (view,) = selectors.message_views(case, Message.objects.filter(pk=posted.pk))
    return Status(201, _message(view))


@router.post("/cases/{number}/threads/{thread_id}/read", response=dict[str, int])
@api_requires(Permission.CASE_READ)
def thread_mark_read(
    request: HttpRequest, number: str, thread_id: int, payload: ReadIn
) -> dict[str, int]:
    """Move your read marker to `up_to` (default: the newest message you may read)."""
    case = _case(request, number)
    mark = services.message_mark_read(
        actor=actor(request), case=case, thread_id=thread_id, up_to=payload.up_to
    )
    return {"thread": thread_id, "last_read": mark}


@router.get("/cases/{number}/messages/search", response=list[MessageOut])
@api_requires(Permission.CASE_READ)
def message_search(request: HttpRequest, number: str, q: str = "") -> list[dict[str, Any]]:
    """Messages you may read that contain every word of `q` (whole words, any case)."""
    case = _case(request, number)
    return [_message(m) for m in selectors.message_search(actor=actor(request), case=case, query=q)]


@router.post("/cases/{number}/messages/{message_id}/attachments", response={201: Any})
@api_requires(Permission.CASE_MESSAGE)
def attachment_add(request: HttpRequest, number: str, message_id: int) -> HttpResponse:
    """Attach a file to your own message (multipart form field `file`); it takes the
    message's label."""
    case = _case(request, number)
    upload = request.FILES.get("file")
    if upload is None:
        raise InvalidInput("send the file as multipart form field 'file'", field="file")
    limit = settings.AKRITES.attachment_max_bytes
    row = services.message_attachment_add(
        actor=actor(request),
        case=case,
        message_id=message_id,
        upload=services.Upload(
            filename=upload.name or "attachment",
            content_type=upload.content_type or "",
            data=upload.read(limit + 1),
        ),
    )
    return JsonResponse(
        {"id": row.pk, "size": row.size, "content_type": row.content_type}, status=201
    )


@router.get("/cases/{number}/attachments/{attachment_id}")
@api_requires(Permission.CASE_READ)
def attachment_get(request: HttpRequest, number: str, attachment_id: int) -> HttpResponse:
    case = _case(request, number)
    name, content_type, data, tlp = selectors.attachment_open(
        actor=actor(request), case=case, attachment_id=attachment_id
    )
    return attachment_response(name, content_type, data, label(tlp))
