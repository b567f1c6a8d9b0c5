"""Errors of the web application, each with its HTTP status, and the one JSON error shape."""

from __future__ import annotations

from typing import Any


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
