"""The REST API at /api/v1 (django-ninja). Errors are JSON: {"code", "message", "field"}."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.http import require_GET
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from akrites.accounts.api import router as accounts_router
from akrites.accounts.auth import actor_for_user
from akrites.accounts.services import token_authenticate
from akrites.audit.api import router as audit_router
from akrites.cases.api import router as cases_router
from akrites.cases.api_participants import router as participants_router
from akrites.cases.api_workflow import router as case_workflow_router
from akrites.cases.keys import KeyDestroyedError
from akrites.domain.errors import AkritesError, RateLimited
from akrites.intake.api import router as intake_router
from akrites.messaging.api import router as messaging_router
from akrites.publication.api import router as advisories_router
from akrites.registry.api import router as registry_router
from akrites.web.access import access_of, public
from akrites.webhooks.api import router as webhooks_router

log = logging.getLogger(__name__)
API_ROOT = "/api/v1/"


class BearerToken(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user, scopes = token_authenticate(token)
        request._akrites_actor = actor_for_user(  # type: ignore[attr-defined]
            user, mfa_verified=False, token_scopes=scopes
        )
        return user


class Session(SessionAuth):
    """Browser session; django-ninja enforces CSRF on unsafe methods."""


api = NinjaAPI(
    title="Akrites API",
    version="1",
    description="The Akrites REST API. Authenticate with `Authorization: Bearer <token>` "
    "(create tokens with `akrites token create` or on the API tokens page) or a browser "
    "session. Errors are JSON objects with `code`, `message` and, for bad input, `field`.",
    auth=[BearerToken(), Session()],
    urls_namespace="api",
    docs_url=None,  # the interactive docs page loads assets from a CDN
    openapi_url=None,  # served by openapi_json below, so it carries a declaration too
)
api.add_router("/", accounts_router)
api.add_router("/", registry_router)
api.add_router("/", audit_router)
api.add_router("/", intake_router)
api.add_router("/", cases_router)
api.add_router("/", case_workflow_router)
api.add_router("/", participants_router)
api.add_router("/", advisories_router)
api.add_router("/", messaging_router)
api.add_router("/", webhooks_router)


def _error(
    code: str, message: str, status: int, field: str | None = None, **extra: Any
) -> JsonResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if field:
        body["field"] = field
    body.update(extra)
    return JsonResponse(body, status=status)


@api.exception_handler(AkritesError)
def _domain_error(request: HttpRequest, exc: AkritesError) -> HttpResponse:
    extra: dict[str, Any] = {}
    listed = getattr(exc, "errors", None)
    if listed:  # an IntakeError: every problem, each with its field
        extra["errors"] = [
            {"field": e.field, "message": e.message, **({"line": e.line} if e.line else {})}
            for e in listed
        ]
    response = _error(exc.code, exc.message, exc.status, exc.field, **extra)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    if exc.status == 401:
        response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "payload", "query", "path")]
        errors.append({"field": ".".join(loc) or None, "message": err.get("msg", "invalid")})
    first = errors[0] if errors else {"field": None, "message": "invalid input"}
    message = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
    return _error("invalid_input", message, 422, first["field"], errors=errors)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error("unauthenticated", "sign in, or send 'Authorization: Bearer <token>'", 401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error("not_found", "not found", 404)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error("http_error", str(exc), exc.status_code)


@api.exception_handler(KeyDestroyedError)
def _destroyed(request: HttpRequest, exc: KeyDestroyedError) -> HttpResponse:
    return _error(
        "content_destroyed",
        "the key of this case was destroyed: its content cannot be read any more",
        410,
    )


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    limit = settings.AKRITES.max_request_bytes
    return _error(
        "payload_too_large",
        f"the request body is larger than {limit} bytes: split it into smaller batches",
        413,
    )


@api.exception_handler(MultiPartParserError)
def _bad_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return _error(
        "invalid_upload",
        "the upload is not a well-formed multipart/form-data body (with its boundary): send "
        "the file as the form field 'file'",
        400,
        "file",
    )


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.error("unhandled API error on %s", request.path, exc_info=exc)
    return _error("internal_error", "something went wrong on our side; it has been logged", 500)


def operations() -> Iterator[tuple[str, str, Any]]:
    """Every (method, path, view function) of the API, for checks and tests."""
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for op in path_view.operations:
                for method in op.methods:
                    route = "/".join(part.strip("/") for part in (prefix, path) if part.strip("/"))
                    yield method, f"{API_ROOT}{route}", op.view_func


def undeclared_operations() -> list[str]:
    return [f"{m} {p}" for m, p, func in operations() if access_of(func) is None]


@public("the API description is public, like any OpenAPI document")
@require_GET
def openapi_json(request: HttpRequest) -> HttpResponse:
    return JsonResponse(
        api.get_openapi_schema(path_prefix=API_ROOT), json_dumps_params={"indent": 1}
    )
