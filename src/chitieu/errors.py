"""Exceptions raised by chitieu's core. Each carries a hint telling the user how to fix it."""

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

    def __init__(self, message: str = "", hint: str = "", *, code: str = "", **params: Any):
        self.code, self.params = code, params
        if code:
            message, hint = self.text("en")
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message

    def __reduce__(self):  # type: ignore[no-untyped-def]
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


class UnitError(ChitieuError):
    """A reporting unit cannot be identified (codes ``unit-*`` of catalog/data/errors.yaml)."""

    exit_code = 2  # a unit named on the command line: a usage error (files report findings)


class PeriodError(ChitieuError):
    """A period id cannot be parsed."""

    exit_code = 2  # a period named on the command line: a usage error (files report findings)


class NumberFormatError(ChitieuError):
    """A number cannot be read, or its format is ambiguous."""


class StoreError(ChitieuError):
    """The database cannot be opened or migrated."""

    exit_code = 4


class InputFileError(ChitieuError):
    """An input file cannot be read at all (missing, wrong type, no header)."""

    exit_code = 2


class IdError(ChitieuError):
    """An id given by a user that no row can have (``catalog.vocabulary.is_id``): a usage
    error (exit 2); the web answers "not found"."""

    exit_code = 2
