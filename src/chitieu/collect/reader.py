"""Reading tabular input files (CSV, XLSX) into rows that remember where they came from."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from chitieu.errors import InputFileError

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}


@dataclass
class Table:
    """The cells of one sheet: a header and data rows, each with its row number in the file."""

    file: str
    sheet: str | None
    header: list[str]
    rows: list[tuple[int, list[Any]]]
    sha256: str


def _cell_text(v: Any) -> Any:
    """Keep numbers as numbers; dates as ISO text; strip text."""
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, datetime | date):
        return v.isoformat()
    return v


def _read_csv(data: bytes, name: str) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"{name}: the file is not UTF-8 text (byte {exc.start})",
            "save it as 'CSV UTF-8' (Excel: File › Save As › CSV UTF-8) and import it again",
        ) from None
    first = text.split("\n", 1)[0]
    delim = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    try:
        header = next(reader)
    except StopIteration:
        raise InputFileError(f"{name}: the file is empty", "add a header row and data") from None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for row in reader:
            yield reader.line_num, [c.strip() for c in row]

    return [h.strip() for h in header], rows()


def _read_excel(
    path: Path, sheet: str | None
) -> tuple[str, list[str], list[tuple[int, list[Any]]]]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise InputFileError(
            f"{path.name}: cannot be opened as a workbook ({exc})",
            "check that it is an .xlsx file saved by Excel or LibreOffice, not renamed",
        ) from exc
    names = wb.sheet_names
    if sheet is None:
        visible = [m.name for m in wb.sheets_metadata if str(m.visible).endswith("Visible")]
        sheet = (visible or names)[0]
    elif sheet not in names:
        raise InputFileError(
            f"{path.name}: there is no sheet '{sheet}'", f"sheets in the file: {', '.join(names)}"
        )
    ws = wb.get_sheet_by_name(sheet)
    cells = ws.to_python(skip_empty_area=False)
    # Rows are numbered as Excel numbers them; skip blank rows above the header.
    numbered = [(i + 1, [_cell_text(c) for c in r]) for i, r in enumerate(cells)]
    numbered = [(n, r) for n, r in numbered if any(c not in ("", None) for c in r)]
    if not numbered:
        raise InputFileError(f"{path.name}: sheet '{sheet}' is empty", "add a header row and data")
    (_, header), *rows = numbered
    return sheet, [str(h).strip() for h in header], rows


def read_table(path: Path, sheet: str | None = None) -> Table:
    """Read a CSV or Excel file; an unreadable file raises InputFileError."""
    if not path.exists():
        raise InputFileError(f"{path}: no such file", "check the path")
    if path.is_dir():
        raise InputFileError(f"{path}: is a folder", "name a .csv or .xlsx file")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        sheet_name, header, rows = _read_excel(path, sheet)
        return Table(path.name, sheet_name, header, rows, digest)
    if suffix in {".csv", ".txt", ".tsv"}:
        header, it = _read_csv(data, path.name)
        return Table(path.name, None, header, [(n, r) for n, r in it if any(r)], digest)
    raise InputFileError(
        f"{path.name}: '{suffix or 'no extension'}' files cannot be imported",
        "use a .csv (UTF-8) or .xlsx file",
    )
