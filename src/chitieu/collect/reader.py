"""Reading tabular input files (CSV, XLSX) into rows that remember where they came from.

Every read is bounded (``collect.limits``): the file's size first; a workbook's zip is
pre-scanned (``collect.zipscan``) before calamine opens it, then calamine reads it in a child
process with its own memory and time limits (``collect.childparser``), each sheet's extent
checked before calamine builds its range; a CSV's lines are measured and its encoding told
before the csv module reads it. What passes no limit, or cannot be read, raises an
``InputFileError`` that names the file, the sheet, the cell or line, and says how to fix it —
never a traceback.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chitieu.collect.book import Book, Table
from chitieu.collect.childparser import parse, request_for
from chitieu.collect.limits import Deadline, Limits, check_size, counts, limits
from chitieu.collect.zipscan import scan_workbook
from chitieu.errors import InputFileError

__all__ = ["Book", "Table", "check_file", "read_table", "read_workbook"]

#: workbooks read (and pre-scanned) as zips of XML; .xls and .ods cannot be pre-scanned
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
REFUSED_SUFFIXES = {".xls", ".ods", ".xlsb"}
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_EVERY = 8192  # rows between two looks at the clock
#: byte-order marks, longest first (UTF-32 LE begins like UTF-16 LE)
_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32 LE"),
    (b"\x00\x00\xfe\xff", "UTF-32 BE"),
    (b"\xff\xfe", "UTF-16 LE"),
    (b"\xfe\xff", "UTF-16 BE"),
)
#: where the zero bytes of mostly-ASCII text stand, in a line of 4 bytes: UTF-16 and UTF-32
_WIDE = (
    ((False, True, False, True), "UTF-16 LE"),
    ((True, False, True, False), "UTF-16 BE"),
    ((False, True, True, True), "UTF-32 LE"),
    ((True, True, True, False), "UTF-32 BE"),
)


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


def _wide(data: bytes) -> str | None:
    """The UTF-16 or UTF-32 that text without a byte-order mark is written in, told by where
    its zero bytes stand (most characters of a CSV are ASCII); None for other text."""
    head = data[:4096]
    if b"\x00" not in head or len(head) < 8:
        return None
    zeros = [head[i::4].count(0) / len(head[i::4]) for i in range(4)]
    for pattern, name in _WIDE:
        if all(
            (z > 0.6) if is_zero else (z < 0.4) for z, is_zero in zip(zeros, pattern, strict=True)
        ):
            return name
    return None


def _decode(data: bytes, name: str) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            raise InputFileError(code="input-utf16", file=name, encoding=encoding)
    if (wide := _wide(data)) is not None:
        raise InputFileError(code="input-utf16-no-bom", file=name, encoding=wide)
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
    _field_size_at_least(lim.max_line_bytes + 1)  # a quoted cell may span lines
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
            _cells_within(row, header, top, name, start)
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


def _field_size_at_least(n: int) -> None:
    """The csv module reads cells of at least ``n`` characters."""
    if csv.field_size_limit() < n:
        csv.field_size_limit(n)


def _cells_within(row: list[str], header: list[str], top: int, name: str, start: int) -> None:
    """InputFileError for the first cell of a CSV record longer than ``top`` characters."""
    for i, c in enumerate(row):
        if len(c) > top:
            col = header[i] if i < len(header) and header[i] else f"{i + 1}"
            sizes = counts(length=len(c), limit=top)
            raise InputFileError(
                code="input-csv-cell-too-long", file=name, row=start, column=col, **sizes
            )


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


def read_workbook(path: Path, lim: Limits | None = None, file: str | None = None, *,
                  sheet: str | None = None, extra: tuple[str, ...] = (),
                  macros: bool | None = None, sha256: str = "",
                  every: bool = False, or_every: bool = False) -> Book:  # fmt: skip
    """``sheet`` of a workbook (its first visible sheet if None) as a table, and the raw cells
    of the sheets of ``extra`` it has; ``file`` names it in errors.

    The zip is pre-scanned here against the limits; calamine reads it in a child process
    (``collect.childparser``). A workbook with macros is refused unless ``macros`` allows it
    (by default: when it is named .xlsm — a macro-enabled workbook renamed .xlsx is refused);
    its macros never run. ``every``: each visible sheet as a table too, with its merged
    ranges (``Book.sheets``: the official forms' layouts); ``or_every``: so if it has no
    ``sheet``.
    """
    lim = lim or limits()
    file = file or path.name
    _existing(path)
    check_size(path.stat().st_size, file, lim)
    deadline = lim.deadline()
    scan = scan_workbook(path, file, lim, deadline)
    allowed = path.suffix.lower() == ".xlsm" if macros is None else macros
    if scan.macros and not allowed:
        raise InputFileError(code="input-macros", file=file)
    return parse(request_for(path, file, lim, deadline, scan, sheet=sheet, extra=extra,
                             sha256=sha256, every=every, or_every=or_every))  # fmt: skip


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
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        return read_workbook(path, lim, file, sheet=sheet, sha256=digest).table
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    header, it = _read_csv(data, file, lim)
    return Table(file, None, header, [(n, r) for n, r in it if any(r)], digest)
