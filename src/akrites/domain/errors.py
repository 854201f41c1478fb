"""Errors that cross layers. Each carries a stable code, a message a person can act on,
and (for bad input) the field it concerns. The web and API layers render them; they
never add detail that the domain did not choose to reveal."""

from __future__ import annotations


class AkritesError(Exception):
    code = "error"
    status = 400

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class InvalidInput(AkritesError):
    code = "invalid_input"
    status = 422


class NotFound(AkritesError):
    code = "not_found"
    status = 404


class Forbidden(AkritesError):
    code = "forbidden"
    status = 403


class Unauthenticated(AkritesError):
    code = "unauthenticated"
    status = 401


class Conflict(AkritesError):
    code = "conflict"
    status = 409


class RateLimited(AkritesError):
    code = "rate_limited"
    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
