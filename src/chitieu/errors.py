"""Exceptions raised by chitieu's core. Each carries a hint telling the user how to fix it."""

from __future__ import annotations


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


class CatalogError(ChitieuError):
    """The shipped or user catalog data is invalid."""

    exit_code = 3


class UnitError(ChitieuError):
    """A reporting unit cannot be identified."""


class PeriodError(ChitieuError):
    """A period id cannot be parsed."""


class NumberFormatError(ChitieuError):
    """A number cannot be read, or its format is ambiguous."""


class StoreError(ChitieuError):
    """The database cannot be opened or migrated."""

    exit_code = 4


class InputFileError(ChitieuError):
    """An input file cannot be read at all (missing, wrong type, no header)."""

    exit_code = 2
