"""The long layout: one value a row, ``indicator,unit,period,value,kind[,comment][,status]``.

Every row is checked; all problems of a file are reported in one pass. A big, plainly good
CSV is checked on columns (``collect.columns``); every other file row by row
(``collect.rows.RowChecker``). The layout is what a CSV is, and a workbook whose sheet (the
named one, else the first visible one) has at least three of the layout's columns in its
first row; it also reads, and reports on, any file no other layout claims.
"""

from __future__ import annotations

from operator import itemgetter
from pathlib import Path
from typing import Any

from chitieu.check.findings import Finding, Report
from chitieu.collect.header import map_header
from chitieu.collect.layouts.base import ImportResult, Progress, Source
from chitieu.collect.numbers import Locale, detect_locale
from chitieu.collect.reader import CSV_SUFFIXES, Table, check_file
from chitieu.collect.rows import (
    _HEADERS,
    REQUIRED,
    RowChecker,
    _norm,
    without_invisible,
)
from chitieu.collect.zipscan import column_letters
from chitieu.errors import NumberFormatError
from chitieu.store.values import NewValue

NAME = "long"
TITLE = {
    "vi": "Bảng dọc: chỉ tiêu, đơn vị, kỳ, giá trị, loại số liệu (mỗi dòng một số liệu)",
    "en": "Long table: indicator, unit, period, value, kind (one value a row)",
}


def detect(source: Source) -> int:
    """10 for a CSV or a sheet whose first row has three of the layout's columns; 1 for any
    other workbook (read here, its problems reported, when no layout claims it)."""
    if source.suffix in CSV_SUFFIXES:
        return 10
    if not source.is_workbook:
        return 0
    found = {_HEADERS.get(_norm(h)) for h in source.table.header} - {None}
    return 10 if len(found & set(REQUIRED)) >= 3 else 1


def read(source: Source) -> ImportResult:
    """The file's values, checked row by row (or on columns: a big CSV)."""
    opts = source.options
    result, sha256 = _columns(source.path, opts.sheet, opts.locale)
    if result is None:
        table = source.table  # an unreadable file raises InputFileError
        result, sha256 = check_table(table, opts.locale, opts.progress), table.sha256
        result.letters = letters_of(table.header)
    result.sha256 = sha256
    result.layout = NAME
    return result


def letters_of(header: list[str]) -> dict[str, str]:
    """The layout's column names → their letters in the sheet."""
    out: dict[str, str] = {}
    for i, h in enumerate(header):
        col = _HEADERS.get(_norm(without_invisible(h)))
        if col is not None:
            out.setdefault(col, column_letters(i + 1))
    return out


def _map_header(table: Table, report: Report) -> dict[str, int] | None:
    return map_header(table.header, table.file, table.sheet, report)


def _formula_cells(table: Table, cols: dict[str, int], report: Report) -> set[tuple[int, str]]:
    """A finding for each cell of the layout's columns that holds a formula without a result
    (calamine read it as blank); their (row, column), whose "missing value" is not told too."""
    names = {i: col for col, i in cols.items()}
    told = set()
    for row, i in table.formulas:
        if i in names:
            cell = f"{column_letters(i + 1)}{row}"
            report.add(Finding("formula-no-result", file=table.file, sheet=table.sheet, row=row,
                               column=names[i], value=cell, cell=cell,
                               params={"cell": cell}))  # fmt: skip
            told.add((row, names[i]))
    return told


def _not_told(found: list[Finding], told: set[tuple[int, str]]) -> list[Finding]:
    """The findings of a row but the missing values of cells already told as formulas."""
    return [f for f in found if f.type != "missing-value" or (f.row, f.column) not in told]


def check_table(
    table: Table,
    locale: Locale | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Check every row of a table; the values are returned only if the whole table is valid."""
    report = Report()
    result = ImportResult(report=report, file=table.file)
    cols = _map_header(table, report)
    if cols is None:
        return result
    told = _formula_cells(table, cols, report) if table.formulas else set()
    if not table.rows:
        report.add(Finding("empty-file", file=table.file, sheet=table.sheet))
        return result
    if locale is None:
        try:
            locale = _file_locale(table, cols["value"])
        except NumberFormatError as exc:
            report.add(
                Finding(
                    "mixed-number-format",
                    file=table.file,
                    sheet=table.sheet,
                    column="value",
                    params={"reason": exc.message},
                )
            )
            return result
    result.locale = locale
    values = _check_rows(table, cols, RowChecker(locale=locale), told, result, progress)
    report.stats = {"rows": len(table.rows), "valid_rows": len(values)}
    result.parsed = values
    if report.valid:
        result.values = values
    return result


def _file_locale(table: Table, vi: int) -> Locale | None:
    """The locale the numbers written as text in column ``vi`` imply (NumberFormatError if
    they conflict)."""
    texts = (r[vi] for _, r in table.rows if vi < len(r) and isinstance(r[vi], str))
    return detect_locale(t for t in texts if "." in t or "," in t)


def _check_rows(
    table: Table,
    cols: dict[str, int],
    checker: RowChecker,
    told: set[tuple[int, str]],
    result: ImportResult,
    progress: Progress | None,
) -> list[NewValue]:
    """Every row checked in order: its findings reported, the valid values returned."""
    report = result.report
    seen: dict[tuple[str, str, str, str], int] = {}
    values: list[NewValue] = []
    names = list(cols.items())
    step = 0
    keys, width = [c for c, _ in names], max(i for _, i in names) + 1
    pick = itemgetter(*[i for _, i in names])
    for rownum, row in table.rows:
        if len(row) >= width:
            cells = dict(zip(keys, pick(row), strict=True))
        else:
            cells = {c: (row[i] if i < len(row) else None) for c, i in names}
        where: dict[str, Any] = {"file": table.file, "sheet": table.sheet, "row": rownum}
        got = checker.check(cells, where)
        if isinstance(got, list):
            report.extend(_not_told(got, told) if told else got)
        else:
            _add_value(got, rownum, where, seen, values, result)
        step += 1
        if progress and step == 10_000:
            progress("check", step, len(table.rows))
            step = 0
    if progress and step:
        progress("check", step, len(table.rows))
    return values


def _add_value(
    got: NewValue,
    rownum: int,
    where: dict[str, Any],
    seen: dict[tuple[str, str, str, str], int],
    values: list[NewValue],
    result: ImportResult,
) -> None:
    """A valid row's value kept, or a duplicate of an earlier row's key reported."""
    key = (got.indicator, got.unit, got.period, got.kind)
    first = seen.setdefault(key, rownum)
    if first != rownum:
        result.report.add(
            Finding(
                "duplicate-row",
                value=got.value,
                indicator=got.indicator,
                unit=got.unit,
                period=got.period,
                params={"kind": got.kind, "first_row": first},
                **where,
            )
        )
    else:
        values.append(got)
        result.places[key] = where


def _columns(
    path: Path, sheet: str | None, locale: Locale | None
) -> tuple[ImportResult | None, str]:
    """A big, plainly good CSV checked on columns (``collect.columns``); (None, "") otherwise."""
    from chitieu.collect.columns import COLUMNS_FROM, check_columns

    if sheet is not None or path.suffix.lower() != ".csv" or not path.is_file():
        return None, ""
    if path.stat().st_size < COLUMNS_FROM:
        return None, ""
    check_file(path)  # the limits (size, lines, columns, cells), before pyarrow reads it
    got = check_columns(path, locale)
    if got is None:
        return None, ""
    rows, places, report, sha256, found = got
    result = ImportResult(report, rows, file=path.name, locale=found, parsed=rows)
    result.places = places  # type: ignore[assignment]
    return result, sha256
