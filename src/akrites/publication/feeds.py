"""The Atom 1.0 feed of published advisories (``/advisories/feed.atom``): one entry per
advisory carrying its current published revision, ``updated`` being the record's ``modified``.
A revision or a withdrawal moves the entry's ``updated``, so feed readers show it again.
Written by Django's Atom generator from the public summaries only (``public_views``)."""

from __future__ import annotations

import datetime as dt
from typing import Final

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.views.decorators.http import require_safe

from akrites.publication.public_views import Summary, public_summaries
from akrites.web.access import public

FEED_PATH: Final = "/advisories/feed.atom"
MAX_ENTRIES: Final = 200
_NOTHING_YET: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class _AdvisoryFeed(Atom1Feed):
    def latest_post_date(self) -> dt.datetime:
        # Django falls back to "now" for an empty feed: the same data must give the same bytes.
        return super().latest_post_date() if self.items else _NOTHING_YET


def _when(value: str) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _entry_summary(summary: Summary) -> str:
    """Plain text, escaped once: the feed's ``type="html"`` summary shows it as written."""
    packages = ", ".join(f"{name} ({eco})" for eco, name in summary.packages)
    lines = [
        f"Severity: {summary.rating.lower() or 'not rated'}.",
        f"Affected: {packages or 'see the advisory'}.",
    ]
    if summary.cve_ids:
        lines.append(f"Also known as {', '.join(summary.cve_ids)}.")
    if summary.withdrawn:
        lines.insert(0, "This advisory was withdrawn.")
    first = summary.details.strip().split("\n\n", 1)[0]
    if first:
        lines.append(first)
    return escape(" ".join(lines))


def advisory_feed_xml() -> bytes:
    base = str(settings.AKRITES.base_url).rstrip("/")
    publisher = settings.AKRITES.publisher_name
    feed_url = f"{base}{FEED_PATH}"
    feed = _AdvisoryFeed(
        title=f"{publisher} security advisories",
        link=f"{base}/advisories/",
        description=f"Security advisories published by {publisher}.",
        subtitle=f"Security advisories published by {publisher}.",
        language="en",
        author_name=publisher,
        feed_url=feed_url,
        feed_guid=feed_url,
    )
    # The most recently changed first: a revision of an old advisory is news too.
    latest = sorted(
        public_summaries(), key=lambda s: _when(s.modified) or _NOTHING_YET, reverse=True
    )
    for summary in latest[:MAX_ENTRIES]:
        page = f"{base}/advisories/{summary.identifier}/"
        title = f"{summary.identifier}: {summary.title or 'Security advisory'}"
        feed.add_item(
            title=f"[Withdrawn] {title}" if summary.withdrawn else title,
            link=page,
            description=_entry_summary(summary),
            unique_id=page,
            pubdate=_when(summary.published),
            updateddate=_when(summary.modified),
            categories=list(summary.ecosystems),
        )
    return feed.writeString("utf-8").encode("utf-8")


@public("the feed lists only advisories already published")
@require_safe
def advisory_feed(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(advisory_feed_xml(), content_type="application/atom+xml; charset=utf-8")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
