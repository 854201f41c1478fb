# No "from __future__ import annotations": django-ninja reads these annotations at runtime.
"""Limit/offset pagination for the API with bounds a database can hold: an offset beyond a
million (or a limit beyond 500) is refused as bad input, not passed to SQL (SQLite fails on
integers past 64 bits)."""

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_OFFSET = 1_000_000
MAX_LIMIT = 500


class BoundedPagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
