"""The web's view of the error tree: the one JSON error shape and the statuses the API documents.

The classes themselves (``Forbidden``, ``Conflict``, …) are the core's (``chitieu.errors``), each
with its ``http_status``; this module re-exports them for the routes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from chitieu.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotAuthenticated,
    NotFound,
    PreconditionRequired,
    TooLarge,
    TooManyAttempts,
)

__all__ = [
    "ERROR_RESPONSES",
    "Conflict",
    "ErrorBody",
    "Forbidden",
    "Invalid",
    "NotAuthenticated",
    "NotFound",
    "PreconditionRequired",
    "TooLarge",
    "TooManyAttempts",
    "error_body",
]


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
