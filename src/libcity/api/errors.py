"""One mapping from errors to RFC 9457 problem+json bodies, for every endpoint."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from libcity.core.exceptions import DomainError

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem(
    api: NinjaAPI, request: HttpRequest, *, status: int, code: str, detail: str, **extra
) -> HttpResponse:
    body = {
        "type": f"/api/problems/{code}",
        "title": code.replace("_", " "),
        "status": status,
        "code": code,
        "detail": detail,
        **extra,
    }
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = PROBLEM_CONTENT_TYPE
    return response


def install(api: NinjaAPI) -> None:
    """Register the handlers on ``api``."""

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        return problem(api, request, status=exc.status, code=exc.code, detail=exc.message)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        return problem(
            api,
            request,
            status=422,
            code="invalid_input",
            detail=_("The request is not valid."),
            errors=_plain_errors(exc.errors),
        )

    @api.exception_handler(AuthenticationError)
    def authentication_error(request, exc):
        return problem(
            api,
            request,
            status=401,
            code="not_authenticated",
            detail=_("Sign in, or send a valid bearer token (and the CSRF token with a session)."),
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        if exc.status_code == 403 and "CSRF" in str(exc):
            return problem(
                api,
                request,
                status=403,
                code="csrf_failed",
                detail=_("With a session, send the CSRF token in the X-CSRFToken header."),
            )
        return problem(api, request, status=exc.status_code, code="http_error", detail=str(exc))


def _plain_errors(errors: list) -> list[dict]:
    return [
        {"loc": [str(part) for part in e.get("loc", [])], "msg": str(e.get("msg", ""))}
        for e in errors
    ]
