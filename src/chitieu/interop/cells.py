"""Cells that other people open in a spreadsheet: text that Excel or LibreOffice would run as
a formula (``=HYPERLINK(…)``, ``+1+cmd``, ``@SUM(…)``) is neutralised, as OWASP advises
against CSV and formula injection. Numbers stay numbers, a negative one too.
"""

from __future__ import annotations

import re
from typing import Any

#: what makes a spreadsheet read a cell's text as a formula (with the full-width forms an
#: input method may type), also after leading spaces
RISKY = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d+)*|[.,]\d+)(?:[eE][+-]?\d+)?")


def is_risky(text: str) -> bool:
    """True when ``text`` would be read as a formula (a plain number such as -5 is not)."""
    head = text.lstrip(" ")
    return head[:1] in RISKY and head != "" and _NUMBER.fullmatch(text.strip()) is None


def csv_cell(value: Any) -> Any:
    """A value for a CSV others open in a spreadsheet: risky text gets a leading ``'``."""
    if isinstance(value, str) and is_risky(value):
        return "'" + value
    return value


def excel_cell(cell: Any) -> None:
    """Make an openpyxl cell holding risky text (or a formula openpyxl guessed from a text
    starting with ``=``) an explicit text cell with Excel's quote prefix."""
    value = cell.value
    if isinstance(value, str) and (cell.data_type == "f" or is_risky(value)):
        cell.data_type = "s"
        cell.quotePrefix = True


def neutralise(workbook: Any) -> None:
    """Neutralise every cell of every sheet of an openpyxl workbook (see :func:`excel_cell`)."""
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                excel_cell(cell)
