"""Reading tabular input files (CSV, XLSX) into rows that remember where they came from.

Every read is bounded (``collect.limits``): the file's size first; a workbook's zip is
pre-scanned (``collect.zipscan``) before calamine opens it and each sheet's extent checked
before calamine builds its range; a CSV's lines are measured before the csv module reads them.
What passes no limit, or cannot be read, raises an ``InputFileError`` that names the file, the
sheet, the cell or line, and says how to fix it — never a traceback.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from chitieu.collect.limits import Deadline, Limits, check_size, counts, limits
from chitieu.collect.zipscan import Scan, check_extent, column_letters, scan_workbook
from chitieu.errors import InputFileError

#: workbooks read (and pre-scanned) as zips of XML; .xls and .ods cannot be pre-scanned
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
REFUSED_SUFFIXES = {".xls", ".ods", ".xlsb"}
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_EVERY = 8192  # rows between two looks at the clock


@dataclass
class Table:
    """The cells of one sheet: a header and data rows, each with its row number in the file."""

    file: str
    sheet: str | None
    header: list[str]
    rows: list[tuple[int, list[Any]]]
    sha256: str


class _TooLong(Exception):
    pass


def _cell_text(v: Any, top: int = 32_767) -> Any:
    """Keep numbers as numbers; dates as ISO text; strip text (no longer than ``top``)."""
    if isinstance(v, str):
        if len(v) > top:
            raise _TooLong(len(v))
        return v.strip()
    if isinstance(v, datetime | date):
        return v.isoformat()
    return v


def _line_stats(data: bytes, name: str, lim: Limits) -> int:
    """Refuse a CSV of too many or too long lines (measured on the bytes); its longest line."""
    import numpy as np

    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    lines = len(ends) + (0 if data.endswith(b"\n") else 1)
    if lines > lim.max_rows + 1:
        raise InputFileError(
            code="input-csv-rows", file=name, **counts(rows=lines, limit=lim.max_rows)
        )
    if not len(data):
        return 0
    bounds = np.concatenate(([-1], ends, [len(data)]))
    lengths = np.diff(bounds) - 1
    at = int(lengths.argmax())
    longest = int(lengths[at])
    if longest > lim.max_line_bytes:
        raise InputFileError(
            code="input-line-too-long",
            file=name,
            row=at + 1,
            **counts(length=longest, limit=lim.max_line_bytes),
        )
    return longest


def _decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputFileError(code="input-utf16", file=name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(code="input-not-utf8", file=name, byte=exc.start) from None


def _read_csv(
    data: bytes, name: str, lim: Limits | None = None, deadline: Deadline | None = None
) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    """The header and the rows of a CSV; each row numbered by the line where its record starts."""
    lim = lim or limits()
    deadline = deadline or lim.deadline()
    longest = _line_stats(data, name, lim)
    text = _decode(data, name)
    nl = text.find("\n")
    first = text if nl < 0 else text[:nl]
    delim = max((",", ";", "\t"), key=first.count)
    if csv.field_size_limit() < lim.max_line_bytes + 1:  # a quoted cell may span lines
        csv.field_size_limit(lim.max_line_bytes + 1)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    top, columns = lim.max_cell_chars, lim.max_columns

    def record() -> tuple[int, list[str]] | None:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return None
        except csv.Error as exc:
            raise InputFileError(
                code="input-csv-bad", file=name, row=start, reason=str(exc)
            ) from None
        if len(row) > columns:
            raise InputFileError(code="input-csv-columns", file=name, row=start,
                                 **counts(columns=len(row), limit=columns))  # fmt: skip
        if longest > top or reader.line_num > start:  # some cell may be longer than allowed
            for i, c in enumerate(row):
                if len(c) > top:
                    col = header[i] if i < len(header) and header[i] else f"{i + 1}"
                    sizes = counts(length=len(c), limit=top)
                    raise InputFileError(
                        code="input-csv-cell-too-long", file=name, row=start, column=col, **sizes
                    )
        return start, row

    header: list[str] = []
    got = record()
    if got is None:
        raise InputFileError(code="input-empty", file=name)
    header = [h.strip() for h in got[1]]

    def rows() -> Iterator[tuple[int, list[Any]]]:
        step = 0
        while (got := record()) is not None:
            step += 1
            if step == _EVERY:
                deadline.check(name)
                step = 0
            yield got[0], [c.strip() for c in got[1]]

    return header, rows()


class Workbook:
    """A workbook that passed the pre-scan, read by calamine one sheet at a time."""

    def __init__(self, path: Path, file: str, lim: Limits, deadline: Deadline) -> None:
        from python_calamine import CalamineError, CalamineWorkbook, PasswordError

        self.file, self.lim, self.deadline = file, lim, deadline
        self.scan: Scan = scan_workbook(path, file, lim, deadline)
        try:
            self.wb = CalamineWorkbook.from_path(str(path))
        except PasswordError:
            raise InputFileError(code="input-zip-encrypted", file=file, entry="") from None
        except (CalamineError, OSError, ValueError) as exc:
            raise InputFileError(code="input-unreadable", file=file, reason=str(exc)) from None
        self.names: list[str] = list(self.wb.sheet_names)

    def default_sheet(self) -> str:
        """The first visible sheet (the first sheet if none is visible)."""
        visible = [m.name for m in self.wb.sheets_metadata if str(m.visible).endswith("Visible")]
        if not (visible or self.names):
            raise InputFileError(code="input-no-sheets", file=self.file)
        return (visible or self.names)[0]

    def rows(self, sheet: str) -> list[list[Any]]:
        """The cells of ``sheet`` from A1, its extent checked before calamine builds them."""
        from python_calamine import CalamineError, XmlError

        if sheet not in self.names:
            raise InputFileError(
                code="input-no-sheet", file=self.file, sheet=sheet, sheets=", ".join(self.names)
            )
        check_extent(self.scan, sheet, self.file, self.lim)
        try:
            return self.wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
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
        top = self.lim.max_cell_chars
        numbered: list[tuple[int, list[Any]]] = []
        for i, r in enumerate(self.rows(sheet)):
            if i % _EVERY == 0:
                self.deadline.check(self.file)
            try:
                cells = [_cell_text(c, top) for c in r]
            except _TooLong:
                j = next(j for j, c in enumerate(r) if isinstance(c, str) and len(c) > top)
                raise InputFileError(code="input-cell-too-long", file=self.file, sheet=sheet,
                                     cell=f"{column_letters(j + 1)}{i + 1}",
                                     **counts(length=len(r[j]), limit=top)) from None  # fmt: skip
            # Rows are numbered as Excel numbers them; skip blank rows above the header.
            if any(c not in ("", None) for c in cells):
                numbered.append((i + 1, cells))
        if not numbered:
            raise InputFileError(code="input-sheet-empty", file=self.file, sheet=sheet)
        (_, header), *rows = numbered
        return Table(self.file, sheet, [str(h).strip() for h in header], rows, sha256)


def _kind(path: Path, file: str) -> str:
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES or suffix in CSV_SUFFIXES:
        return suffix
    code = "input-old-format" if suffix in REFUSED_SUFFIXES else "input-bad-suffix"
    raise InputFileError(code=code, file=file, suffix=suffix or "—")


def _existing(path: Path) -> None:
    if not path.exists():
        raise InputFileError(code="input-missing", path=str(path))
    if path.is_dir():
        raise InputFileError(code="input-folder", path=str(path))


def open_workbook(path: Path, lim: Limits | None = None, file: str | None = None,
                  *, macros: bool | None = None) -> Workbook:  # fmt: skip
    """A workbook, pre-scanned against the limits; ``file`` names it in errors.

    A workbook with macros is refused unless ``macros`` allows it (by default: when it is
    named .xlsm — a macro-enabled workbook renamed .xlsx is refused); its macros never run.
    """
    lim = lim or limits()
    file = file or path.name
    _existing(path)
    check_size(path.stat().st_size, file, lim)
    wb = Workbook(path, file, lim, lim.deadline())
    allowed = path.suffix.lower() == ".xlsm" if macros is None else macros
    if wb.scan.macros and not allowed:
        raise InputFileError(code="input-macros", file=file)
    return wb


def check_file(path: Path, lim: Limits | None = None) -> None:
    """Refuse a file past the limits before anything reads it whole (the column path of a big
    CSV calls this first): its size; a CSV's lines, header and cells."""
    lim = lim or limits()
    _existing(path)
    kind = _kind(path, path.name)
    check_size(path.stat().st_size, path.name, lim)
    if kind not in CSV_SUFFIXES:
        return
    data = path.read_bytes()
    if _line_stats(data, path.name, lim) > lim.max_cell_chars:
        for _ in _read_csv(data, path.name, lim)[1]:  # a cell may be too long: rows name it
            pass
        return
    first = data.split(b"\n", 1)[0].decode("utf-8", "replace")
    delim = max((",", ";", "\t"), key=first.count)
    width = len(next(csv.reader([first.rstrip("\r")], delimiter=delim), []))
    if width > lim.max_columns:
        raise InputFileError(code="input-csv-columns", file=path.name, row=1,
                             **counts(columns=width, limit=lim.max_columns))  # fmt: skip


def read_table(
    path: Path, sheet: str | None = None, lim: Limits | None = None, file: str | None = None
) -> Table:
    """Read a CSV or Excel file within the limits; an unreadable file raises InputFileError."""
    lim = lim or limits()
    file = file or path.name
    _existing(path)
    suffix = _kind(path, file)
    check_size(path.stat().st_size, file, lim)
    if suffix in EXCEL_SUFFIXES:
        wb = open_workbook(path, lim, file)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        return wb.table(sheet, digest)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    header, it = _read_csv(data, file, lim)
    return Table(file, None, header, [(n, r) for n, r in it if any(r)], digest)
