"""Import of long-layout files: ``indicator,unit,period,value,kind[,comment][,status]``.

Every row is checked; all problems of a file are reported in one pass, and nothing is
written unless the whole file is valid.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from chitieu.check.findings import Finding, Report
from chitieu.collect.header import map_header
from chitieu.collect.ingest import Origin, ingest
from chitieu.collect.numbers import Locale, detect_locale
from chitieu.collect.reader import Table, check_file, read_table
from chitieu.collect.rows import (
    HEADER_ALIASES,
    KIND_ALIASES,
    OPTIONAL,
    REQUIRED,
    STATUS_ALIASES,
    RowChecker,
    _norm,
)
from chitieu.collect.zipscan import column_letters
from chitieu.errors import NumberFormatError
from chitieu.store.rows import Rows
from chitieu.store.values import BatchInfo, NewValue, Store

#: what other modules took from here before rows.py existed
__all__ = [
    "HEADER_ALIASES",
    "KIND_ALIASES",
    "OPTIONAL",
    "REQUIRED",
    "STATUS_ALIASES",
    "ImportResult",
    "RowChecker",
    "_norm",
    "check_table",
    "import_file",
]

#: progress callback: (phase "check" | "write", rows just done, rows in all)
Progress = Callable[[str, int, int], None]


@dataclass
class ImportResult:
    """The outcome of an import: the report, what was (or would be) stored, and the batch."""

    report: Report
    values: Rows | list[NewValue] = field(default_factory=list)
    batch: BatchInfo | None = None
    dry_run: bool = False
    locale: Locale | None = None
    file: str = ""
    #: every row that parsed, valid file or not (the rules check them too)
    parsed: Rows | list[NewValue] = field(default_factory=list)
    #: where each parsed value came from: (indicator, unit, period, kind) → file, sheet, row
    places: dict[tuple[str, str, str, str], dict[str, Any]] = field(default_factory=dict)

    @property
    def written(self) -> int:
        """Rows stored (0 on a dry run or when the file had errors)."""
        return self.batch.rows if self.batch else 0

    @property
    def ignored(self) -> int:
        """Rows left out as identical to their key's current vintage (the same file again)."""
        return self.batch.ignored if self.batch else 0


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
                               column=names[i], value=cell, params={"cell": cell}))  # fmt: skip
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


def _file_locale(table: Table, vi: int) -> Locale | None:
    """The locale the numbers written as text in column ``vi`` imply (NumberFormatError if
    they conflict)."""
    texts = (r[vi] for _, r in table.rows if vi < len(r) and isinstance(r[vi], str))
    return detect_locale(t for t in texts if "." in t or "," in t)


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


def import_file(
    path: Path,
    store: Store | None,
    *,
    created_by: str,
    dry_run: bool = False,
    locale: Locale | None = None,
    sheet: str | None = None,
    progress: Progress | None = None,
    override: str | None = None,
) -> ImportResult:
    """Check a file and, if it is valid and not a dry run, store it as one batch.

    Through the one write path (``collect.ingest``): the validation rules and outlier checks
    run over the rows that parsed, together with the stored values of the same units, periods
    and kinds (a rule of importance ``error`` blocks the write like a row error, warnings are
    reported); values of submitted or approved reports are refused (``value-locked`` at their
    row) unless ``override`` gives the reason of an explicit override. Without a store (a dry
    run that opens no database) only the file's own values are checked.
    """
    from chitieu.check.runner import validate_values

    result, sha256 = _columns(path, sheet, locale)
    if result is None:
        table = read_table(path, sheet)  # an unreadable file raises InputFileError
        result, sha256 = check_table(table, locale, progress), table.sha256
    result.dry_run = dry_run
    if result.parsed and store is None:
        checks = validate_values(None, result.parsed, places=result.places)
        result.report.extend(checks.findings)
    elif result.parsed and store is not None:
        origin = Origin(created_by, "import", filename=result.file, sha256=sha256)
        got = ingest(store, result.parsed, origin, places=result.places, report=result.report,
                     dry_run=dry_run, override=override, progress=progress)  # fmt: skip
        result.batch = got.batch
    if not result.report.valid:
        result.values = []
    return result
