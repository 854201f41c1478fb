"""What is public: the one read every public surface (pages, feeds, OSV API, exports, CSAF
provider) goes through. Only the current documents of published or withdrawn advisories;
drafts, scheduled and embargoed advisories are simply not there."""

from __future__ import annotations

from typing import Final

from django.db.models import QuerySet

from akrites.domain.lifecycle import ADVISORY_PUBLIC
from akrites.publication.models import PublishedDocument

PUBLIC_STATES: Final = tuple(sorted(s.value for s in ADVISORY_PUBLIC))


def public_documents(*, kind: str | None = None) -> QuerySet[PublishedDocument]:
    """The current documents of every published or withdrawn advisory: all the public sees."""
    docs = PublishedDocument.objects.filter(current=True, advisory__state__in=PUBLIC_STATES)
    return docs if kind is None else docs.filter(kind=kind)
