"""The one Excel writer of chitieu's exports: the analyst's queue, the dashboard's pivot, the
exchange formats' ``xlsx`` — every table a user takes away into a spreadsheet.

A workbook is a list of :class:`Sheet`, each a caption, typed :class:`Column` headers, the rows
and notes below the table (sources, coverage, what is an estimate). The writer streams
(openpyxl's write-only mode: a million rows in bounded memory) and writes the file whole or not
at all. What a Vietnamese user needs from it:

- numbers are numbers, with the grouping of CLDR's decimal pattern for the language and the
  decimals each column asks for; Excel and LibreOffice show the separators of the reader's own
  settings (``1.614.206`` on a Vietnamese computer), so the file stays computable;
- percentages are given as percent figures (``8.66`` for 8,66 %) and stored as fractions with a
  percent format, so a formula over them is right;
- dates are dates (``dd/mm/yyyy`` in Vietnamese, ``d mmm yyyy`` in English); the store's times
  (UTC) are written in Vietnam time, the header says so;
- text that a spreadsheet would run as a formula is written as text (``interop/cells.py``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, Literal

from babel import Locale
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from chitieu.atomic import atomic_path
from chitieu.catalog.instants import aware
from chitieu.interop.cells import is_risky

Kind = Literal["text", "integer", "number", "percent", "date", "datetime"]

#: Excel's sheet names: at most 31 characters, none of these
_BAD_TITLE = str.maketrans({c: " " for c in "[]:*?/\\"})
_DATE = {"vi": "dd/mm/yyyy", "en": "d mmm yyyy"}
_DATETIME = {"vi": "dd/mm/yyyy hh:mm", "en": "d mmm yyyy hh:mm"}


@dataclass(frozen=True)
class Column:
    """A column: its header as the reader sees it, the kind of its values, their decimals."""

    header: str
    kind: Kind = "text"
    decimals: int = 0
    width: float | None = None


@dataclass
class Sheet:
    """One sheet: an optional caption line, the header row, the rows, notes below."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]
    caption: str | None = None
    notes: Sequence[str] = ()


def number_format(col: Column, lang: str = "vi") -> str | None:
    """The Excel number format of a column (None: general), from CLDR's grouping."""
    if col.kind in ("text",):
        return None
    if col.kind == "date":
        return _DATE[_lang(lang)]
    if col.kind == "datetime":
        return _DATETIME[_lang(lang)]
    grouping = Locale.parse(_lang(lang)).decimal_formats[None].grouping[0]
    whole = "#," + "#" * (grouping - 1) + "0" if grouping > 1 else "0"
    frac = "." + "0" * col.decimals if col.decimals > 0 and col.kind != "integer" else ""
    return f"{whole}{frac}%" if col.kind == "percent" else f"{whole}{frac}"


def _lang(lang: str) -> Literal["vi", "en"]:
    return "en" if lang == "en" else "vi"


def sheet_title(text: str, taken: set[str]) -> str:
    """A valid, unique sheet name for ``text`` (Excel's 31 characters, no ``[]:*?/\\``)."""
    base = (text.translate(_BAD_TITLE).strip() or "Sheet")[:31]
    title, n = base, 2
    while title.casefold() in taken:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title.casefold())
    return title


def _value(value: Any, col: Column) -> Any:
    if value is None or value == "":
        return None
    if col.kind == "percent" and isinstance(value, int | float):
        return value / 100.0
    if col.kind == "datetime" and isinstance(value, datetime):
        return aware(value).replace(tzinfo=None)  # Vietnam time; Excel has no zones
    if col.kind == "date" and isinstance(value, datetime):
        return value.date()
    return value


def _cell(ws: WriteOnlyWorksheet, value: Any, col: Column, fmt: str | None) -> Cell:
    cell: Cell = WriteOnlyCell(ws, value=_value(value, col))
    if isinstance(cell.value, str):
        if cell.data_type == "f" or is_risky(cell.value):
            cell.data_type = "s"  # never a formula: text a spreadsheet would run stays text
            cell.quotePrefix = True
    elif fmt is not None and isinstance(cell.value, int | float | date):
        cell.number_format = fmt
    return cell


def _write_sheet(wb: Workbook, sheet: Sheet, lang: str, taken: set[str]) -> int:
    ws = wb.create_sheet(sheet_title(sheet.title, taken))
    for i, col in enumerate(sheet.columns):
        width = col.width or max(10.0, min(60.0, len(col.header) * 1.1 + 2))
        ws.column_dimensions[get_column_letter(i + 1)].width = width
    if sheet.caption:
        head = WriteOnlyCell(ws, value=sheet.caption)
        head.font = Font(bold=True, size=12)
        ws.append([_text_cell(ws, head)])
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    headers = []
    for col in sheet.columns:
        h = _text_cell(ws, WriteOnlyCell(ws, value=col.header))
        h.font, h.alignment = bold, wrap
        headers.append(h)
    ws.append(headers)
    fmts = [number_format(c, lang) for c in sheet.columns]
    n = 0
    for row in sheet.rows:
        ws.append([_cell(ws, v, c, f) for v, c, f in zip(row, sheet.columns, fmts, strict=False)])
        n += 1
    if sheet.notes:
        ws.append([])
        for note in sheet.notes:
            ws.append([_text_cell(ws, WriteOnlyCell(ws, value=note))])
    return n


def _text_cell(ws: WriteOnlyWorksheet, cell: Cell) -> Cell:
    if isinstance(cell.value, str) and (cell.data_type == "f" or is_risky(cell.value)):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def _discard(wb: Workbook) -> None:
    """Close the streams of a write-only workbook abandoned half-way (else each one's XML
    writer complains when it is collected)."""
    for ws in wb.worksheets:
        writer = getattr(ws, "_writer", None)
        for stream in (getattr(ws, "_rows", None), getattr(writer, "xf", None)):
            with contextlib.suppress(Exception):  # the stream is being thrown away
                stream.close()  # type: ignore[union-attr]
        with contextlib.suppress(OSError, TypeError):
            os.unlink(writer.out)  # type: ignore[union-attr]  # its temporary file


def write_xlsx(sheets: Iterable[Sheet], out: Path | IO[bytes], lang: str = "vi") -> int:
    """Write ``sheets`` as one workbook to ``out`` (a path: whole or not at all; or a binary
    stream); returns the number of data rows written."""
    wb = Workbook(write_only=True)
    taken: set[str] = set()
    try:
        rows = sum(_write_sheet(wb, s, lang, taken) for s in sheets)
    except BaseException:
        _discard(wb)
        raise
    if not wb.worksheets:
        _write_sheet(wb, Sheet("—", [Column("")], []), lang, taken)
    if isinstance(out, Path):
        with atomic_path(out) as tmp:
            wb.save(tmp)
    else:
        wb.save(out)
    return rows
