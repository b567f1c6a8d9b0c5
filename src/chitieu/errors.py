"""The one error tree of chitieu: every exception a user may meet, with its hint, its exit code
(the CLI) and its HTTP status (the web), so the shells map none of them by type.

``ChitieuError`` is the root. The classes below it say *what kind* of refusal an error is —
a usage error, a forbidden action, a conflict with newer data, invalid input, a store that
cannot be used — and carry ``exit_code`` and ``http_status`` as class attributes; core modules
raise (or subclass) them, ``cli/common.py`` exits with ``exit_code`` and ``web/app.py`` answers
with ``http_status``.
"""

from __future__ import annotations

import functools
from typing import Any


class ChitieuError(Exception):
    """Base class: a message, and a hint on how to fix the problem.

    Raised with a ``code`` of ``catalog/data/errors.yaml`` and its parameters, the error is
    phrased from that file in Vietnamese and English (``text(lang)``; ``message`` and ``hint``
    hold the English); raised with a message and hint, it says those in every language.
    """

    #: exit code the CLI uses when this error ends a command
    exit_code = 1
    #: HTTP status the web answers with when this error ends a request
    http_status = 400

    def __init__(self, message: str = "", hint: str = "", *, code: str = "", **params: Any):
        self.code, self.params = code, params
        if code:
            message, hint = self.text("en")
        super().__init__(message)
        self.message = message
        self.hint = hint

    @property
    def extra(self) -> dict[str, Any]:
        """Details for the API's error body (an error raised with a message: its keywords, e.g.
        ``report=`` or ``current_version=``; a phrased error's parameters only phrase it)."""
        return {} if self.code else dict(self.params)

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled whole (hint, code, parameters): errors come back from worker processes."""
        if self.code:
            return (functools.partial(self.__class__, code=self.code, **self.params), ())
        return (self.__class__, (self.message, self.hint))

    def text(self, lang: str = "vi") -> tuple[str, str]:
        """Message and hint in ``lang`` (as raised, for an error without a code)."""
        if not self.code:
            return self.message, self.hint
        from chitieu.catalog.messages import error_text

        return error_text(self.code, self.params, lang)


class CatalogError(ChitieuError):
    """The shipped or user catalog data is invalid."""

    exit_code = 3
    http_status = 500


class UnitError(ChitieuError):
    """A reporting unit cannot be identified (codes ``unit-*`` of catalog/data/errors.yaml)."""

    exit_code = 2  # a unit named on the command line: a usage error (files report findings)
    http_status = 404


class PeriodError(ChitieuError):
    """A period id cannot be parsed."""

    exit_code = 2  # a period named on the command line: a usage error (files report findings)
    http_status = 404


class NumberFormatError(ChitieuError):
    """A number cannot be read, or its format is ambiguous."""


class StoreError(ChitieuError):
    """The database cannot be opened or migrated."""

    exit_code = 4
    http_status = 503


class InputFileError(ChitieuError):
    """An input file cannot be read at all (missing, wrong type, no header)."""

    exit_code = 2


# --- refusals of a request or a command, by kind (the web's statuses; the CLI's exit codes) ---


class NotAuthenticated(ChitieuError):
    """No valid session, bearer token or account."""

    http_status = 401


class Forbidden(ChitieuError):
    """Known, but this account may not do this (another unit's data, a role's limit, four eyes)."""

    http_status = 403


class NotFound(ChitieuError):
    """No such form, unit, period, report, token or page."""

    exit_code = 2
    http_status = 404


class UnknownCode(NotFound):
    """An indicator, form or round named that the catalog does not have: a usage error (exit
    2) with the closest codes, not a broken catalog (codes ``*-unknown`` of errors.yaml)."""


class Conflict(ChitieuError):
    """The data changed since it was read (a stale version), or the state forbids the action."""

    http_status = 409


class Invalid(ChitieuError):
    """The input has errors; ``extra['report']`` lists them."""

    http_status = 422


class TooLarge(ChitieuError):
    """A request or file is larger than its limit."""

    exit_code = 2
    http_status = 413


class PreconditionRequired(ChitieuError):
    """A write that does not say which version of the data it is based on."""

    http_status = 428


class TooManyAttempts(ChitieuError):
    """Sign-ins throttled."""

    http_status = 429


class IdError(NotFound):
    """An id given by a user that no row can have (``catalog.vocabulary.is_id``): a usage
    error (exit 2); the web answers "not found"."""

    exit_code = 2
    http_status = 404
