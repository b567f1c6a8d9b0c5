"""Exceptions raised by chitieu's core. Each carries a hint telling the user how to fix it."""

from __future__ import annotations

import functools
from typing import Any


class ChitieuError(Exception):
    """Base class: a message, and a hint on how to fix the problem."""

    #: exit code the CLI uses when this error ends a command
    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message

    def __reduce__(self):  # type: ignore[no-untyped-def]
        """Pickled whole (hint included): errors come back from worker processes."""
        return (self.__class__, (self.message, self.hint))

    def text(self, lang: str = "vi") -> tuple[str, str]:
        """Message and hint in ``lang`` where the error has both languages (else as raised)."""
        return self.message, self.hint


class CatalogError(ChitieuError):
    """The shipped or user catalog data is invalid."""

    exit_code = 3


class UnitError(ChitieuError):
    """A reporting unit cannot be identified: a ``code`` of catalog/data/unit_messages.yaml.

    ``message`` and ``hint`` are the English text; ``text("vi")`` gives the Vietnamese.
    """

    exit_code = 2  # a unit named on the command line: a usage error (files report findings)

    def __init__(self, code: str, **params: Any) -> None:
        self.code, self.params = code, params
        super().__init__(*self.text("en"))

    def text(self, lang: str = "vi") -> tuple[str, str]:
        from chitieu.catalog.units import unit_message

        return unit_message(self.code, self.params, lang)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (functools.partial(UnitError, self.code, **self.params), ())


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
