"""The options that say which review a command is about — period, unit, report date, as-of —
and how their texts are read, shared by ``report``, ``slides`` and ``editions``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import typer

from chitieu.catalog.units import NATION_ID
from chitieu.errors import ChitieuError

PeriodOption = Annotated[str, typer.Option("--period", "-p", help="Period id, e.g. 2023S1, 2023.")]
UnitOption = Annotated[str, typer.Option("--unit", "-u", help="VN (nation) or a province.")]
ReportDateOption = Annotated[
    str | None,
    typer.Option("--date", help="Date of the report (heading, task status). Default: today."),
]
NATION = NATION_ID


class DateError(ChitieuError):
    """A date option cannot be read."""

    exit_code = 2


def date_of(text: str | None, option: str) -> date | None:
    """The date of an option (2023-06-30 or 30/06/2023; None: not given); a usage error (exit
    2) naming the option otherwise."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        try:
            return datetime.strptime(text, "%d/%m/%Y").date()
        except ValueError:
            raise DateError(
                f"{option} '{text}' is not a date", "write 2023-06-30 or 30/06/2023"
            ) from None
