"""Errors of the web application, each with its HTTP status, and the one JSON error shape."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class WebError(Exception):
    """A request that cannot be served: a message, a hint, and the HTTP status."""

    status = 400

    def __init__(self, message: str, hint: str = "", **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.extra = extra


class NotAuthenticated(WebError):
    """No valid session or bearer token."""

    status = 401


class Forbidden(WebError):
    """Signed in, but this account may not do this (another unit's data, a role's limit)."""

    status = 403


class NotFound(WebError):
    """No such form, unit, period or page."""

    status = 404


class Conflict(WebError):
    """The data changed since the client read it (stale version), or the state forbids it."""

    status = 409


class Invalid(WebError):
    """The input has errors; ``extra['report']`` lists them."""

    status = 422


class TooLarge(WebError):
    """The request body is larger than the limit."""

    status = 413


class TooManyAttempts(WebError):
    """Login throttled."""

    status = 429


def error_body(message: str, status: int, hint: str = "", **extra: Any) -> dict[str, Any]:
    """The JSON body of every API error: ``{ok: false, error, status}`` plus hint and details."""
    body: dict[str, Any] = {"ok": False, "error": message, "status": status}
    if hint:
        body["hint"] = hint
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


class ErrorBody(BaseModel):
    """The JSON body of every API error (see :func:`error_body`)."""

    model_config = ConfigDict(extra="allow")

    ok: bool = False
    error: str
    status: int
    hint: str | None = None


#: every status an API operation may answer besides its success, documented on each route
#: of /api/v1 (the OpenAPI document says them all; schemathesis holds the API to it)
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text}
    for code, text in (
        (400, "the request or a file in it cannot be used (the message says why)"),
        (401, "no valid bearer token or session"),
        (403, "the account may not read or write this unit, or do this"),
        (404, "no such form, unit, period, indicator or report"),
        (409, "a stale version, or values of a submitted or approved report"),
        (413, "the request body is larger than the limit (CHITIEU_MAX_BODY_MB)"),
        (422, "values with errors (the findings name each one), or a malformed request"),
        (428, "a write without the version of the report it is based on"),
        (429, "too many failed sign-ins from this address; Retry-After says when to retry"),
        (500, "an internal error (nothing was half-written; details are in the server log)"),
        (503, "the database is unreachable, locked, full, read-only or damaged; retry later"),
    )
}
