"""A pre-scanned workbook read by calamine: the cells of a sheet as a table.

This is the part of reading a workbook that trusts calamine with the file, so it runs in the
child parser's process (``collect.childparser``), which sends the :class:`Book` back. Each
sheet's extent is checked against the pre-scan (``collect.zipscan``) before calamine builds
its range; text cells are stripped and shared, so that the table pickles small and fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from chitieu.collect.limits import Deadline, Limits, counts
from chitieu.collect.zipscan import Scan, check_extent, column_letters
from chitieu.errors import InputFileError

_EVERY = 8192  # rows between two looks at the clock


@dataclass
class Table:
    """The cells of one sheet: a header and data rows, each with its row number in the file."""

    file: str
    sheet: str | None
    header: list[str]
    rows: list[tuple[int, list[Any]]]
    sha256: str
    #: (row number, column index) of the cells that hold a formula without a result (the
    #: workbook was not calculated): calamine reads them as blank
    formulas: list[tuple[int, int]] = field(default_factory=list)
    #: the merged ranges of the sheet: (first row, first column, last row, last column),
    #: rows numbered as Excel numbers them, columns from 0 (as in a row's list)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    #: the row number of ``header`` (the sheet's first row that is not blank)
    header_row: int = 1


@dataclass
class Book:
    """What reading a workbook gives back: the table of its sheet, the names of its sheets,
    and the raw cells of the other sheets asked for (those it has)."""

    table: Table
    names: list[str]
    extra: dict[str, list[list[Any]]] = field(default_factory=dict)
    #: every visible sheet as a table, in workbook order (when asked for: ``every``)
    sheets: list[Table] = field(default_factory=list)
    #: why the other visible sheets that could not be read could not (``every``): told when
    #: a layout reads every sheet, not when it reads only ``table``
    failed: list[InputFileError] = field(default_factory=list)


class _TooLong(Exception):
    pass


def _too_long(text: str) -> str:
    raise _TooLong(len(text))


class _Cells:
    """Turns calamine's rows into the table's: numbers stay numbers, dates become ISO text,
    text is stripped (and refused beyond ``top`` characters); equal texts share one object.

    One comprehension per row, no call per cell: 700,000 cells take about a third of the
    time calamine takes to read them."""

    def __init__(self, top: int) -> None:
        self.top = top
        self.seen: dict[str, str] = {}

    def row(self, r: list[Any]) -> list[Any]:
        """One row's cells."""
        top, share = self.top, self.seen.setdefault
        return [
            ((v if not v else _too_long(v) if len(v) > top else share(t := v.strip(), t))
             if type(v) is str else v.isoformat() if isinstance(v, date) else v)
            for v in r
        ]  # fmt: skip


class Workbook:
    """A workbook that passed the pre-scan, read by calamine one sheet at a time."""

    def __init__(self, path: Path, file: str, lim: Limits, deadline: Deadline,
                 scan: Scan) -> None:  # fmt: skip
        from python_calamine import CalamineError, CalamineWorkbook, PasswordError

        self.file, self.lim, self.deadline, self.scan = file, lim, deadline, scan
        #: check each sheet's extent before calamine builds it (off only for the child
        #: parser's test of its own limits: ``CHITIEU_TEST_PARSER_ABORT=unchecked``)
        self.checked = True
        try:
            self.wb = CalamineWorkbook.from_path(str(path))
        except PasswordError:
            raise InputFileError(code="input-zip-encrypted", file=file, entry="") from None
        except (CalamineError, OSError, ValueError) as exc:
            raise InputFileError(code="input-unreadable", file=file, reason=str(exc)) from None
        self.names: list[str] = list(self.wb.sheet_names)
        #: merged ranges read with a sheet's cells, until its table takes them
        self._merges: dict[str, Any] = {}

    def visible(self) -> list[str]:
        """The visible sheets, in workbook order."""
        return [m.name for m in self.wb.sheets_metadata if str(m.visible).endswith("Visible")]

    def default_sheet(self) -> str:
        """The first visible sheet (the first sheet if none is visible)."""
        visible = self.visible()
        if not (visible or self.names):
            raise InputFileError(code="input-no-sheets", file=self.file)
        return (visible or self.names)[0]

    def merged(self, sheet: str) -> list[tuple[int, int, int, int]]:
        """The merged ranges of ``sheet`` (see :attr:`Table.merged`), as read with its cells
        (calamine builds a sheet once)."""
        got = self._merges.pop(sheet, None)
        if got is None:
            got = self.wb.get_sheet_by_name(sheet).merged_cell_ranges or []
        return [(r0 + 1, c0, r1 + 1, c1) for (r0, c0), (r1, c1) in got]

    def rows(self, sheet: str) -> list[list[Any]]:
        """The cells of ``sheet`` from A1, its extent checked before calamine builds them."""
        from python_calamine import CalamineError, XmlError

        if sheet not in self.names:
            raise InputFileError(
                code="input-no-sheet", file=self.file, sheet=sheet, sheets=", ".join(self.names)
            )
        if self.checked:
            check_extent(self.scan, sheet, self.file, self.lim)
        try:
            loaded = self.wb.get_sheet_by_name(sheet)
            if self.with_merges:
                self._merges[sheet] = loaded.merged_cell_ranges or []
            return loaded.to_python(skip_empty_area=False)
        except XmlError as exc:
            raise InputFileError(
                code="input-xml-bad", file=self.file, sheet=sheet, reason=str(exc)
            ) from None
        except (CalamineError, ValueError, OverflowError) as exc:
            raise InputFileError(
                code="input-sheet-unreadable", file=self.file, sheet=sheet, reason=str(exc)
            ) from None

    def table(self, sheet: str | None, sha256: str = "") -> Table:
        """``sheet`` (the first visible one if None) as a header and numbered data rows."""
        sheet = self.default_sheet() if sheet is None else sheet
        cell = _Cells(self.lim.max_cell_chars)
        numbered: list[tuple[int, list[Any]]] = []
        for i, r in enumerate(self.rows(sheet)):
            if i % _EVERY == 0:
                self.deadline.check(self.file)
            try:
                cells = cell.row(r)
            except _TooLong:
                j = next(j for j, c in enumerate(r) if isinstance(c, str) and len(c) > cell.top)
                raise InputFileError(
                    code="input-cell-too-long",
                    file=self.file,
                    sheet=sheet,
                    cell=f"{column_letters(j + 1)}{i + 1}",
                    **counts(length=len(r[j]), limit=cell.top),
                ) from None
            # Rows are numbered as Excel numbers them; skip blank rows above the header (a
            # first cell that is there decides at once: no count of the row's blanks).
            if (cells and cells[0]) or cells.count("") + cells.count(None) < len(cells):
                numbered.append((i + 1, cells))
        if not numbered:
            raise InputFileError(code="input-sheet-empty", file=self.file, sheet=sheet)
        (first, header), *rows = numbered
        formulas = [(r, c - 1) for r, c in self.scan.formulas_of(sheet)]
        table = Table(self.file, sheet, [str(h).strip() for h in header], rows, sha256, formulas)
        table.header_row = first
        if self.with_merges:
            table.merged = self.merged(sheet)
        return table

    #: read each table's merged ranges too (the official forms' layouts need them)
    with_merges = False

    def book(
        self,
        sheet: str | None,
        extra: tuple[str, ...] = (),
        sha256: str = "",
        every: bool = False,
        or_every: bool = False,
    ) -> Book:
        """The table of ``sheet`` and the raw cells of those of ``extra`` the workbook has;
        ``every``: each visible sheet as a table too, with its merged ranges (a blank sheet
        left out); ``or_every``: so if the workbook has no ``sheet`` (the web's upload of a
        template in either layout: one read, not one per layout)."""
        if or_every and sheet is not None and sheet not in self.names:
            sheet, every = None, True
        if not every:
            table = self.table(sheet, sha256)
            return Book(table, self.names, {s: self.rows(s) for s in extra if s in self.names})
        self.with_merges = True
        tables, failed = [], []
        for name in self.visible() or self.names:
            try:
                tables.append(self.table(name, sha256))
            except InputFileError as exc:
                if exc.code != "input-sheet-empty":
                    failed.append(exc)
        first = sheet if sheet is not None else self.default_sheet()
        table = next((t for t in tables if t.sheet == first), None) or self.table(first, sha256)
        extra_rows = {s: self.rows(s) for s in extra if s in self.names}
        return Book(table, self.names, extra_rows, tables, failed)
