"""The official forms' sheets ("Biểu số …"): the wide reader.

A sheet is a form when it has a header row with "Chỉ tiêu" (and "STT", "Mã số" or "Đơn vị
tính") under a "Biểu số" line or a title naming a period. Which form: ``--form``, else the
number after "Biểu số", else the form of the title's period type whose rows the sheet holds.
The period comes from the title ("… 6 THÁNG ĐẦU NĂM 2023") or ``--period`` (both: they must
agree); the unit from the "Đơn vị báo cáo" line — whatever the department is called, the
province's name decides, in the 63 or the 34 as the period requires — or ``--unit``; a
nation's form is the nation's. Rows are found by "Mã số", else by name or alias; each value
column's header path says its kind and period (``headers.meaning``).

Values of the form's own round for the file's period replace that round (a
``ReplaceScope``); the other columns (last year's actual, the plan) are compare-only
(``ImportResult.compare``): the importer checks them against the store. Derived columns
("So sánh cùng kỳ (%)") and total rows ("Tổng số", "Tổng cộng"; a catalog total over its
components: ``collect.layouts.totals``) are recomputed and compared, never stored themselves.
Every finding names its
sheet and cell. Several sheets (forms, units) in one workbook are read one by one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from chitieu.catalog.form_layout import FormLayout
from chitieu.catalog.forms import Form, forms
from chitieu.catalog.periods import Period
from chitieu.catalog.vocabulary import Status
from chitieu.check.findings import Finding, Report, Severity
from chitieu.collect.ingest import ReplaceScope
from chitieu.collect.layouts.base import ImportResult, Options, Source
from chitieu.collect.layouts.forms_meta import _after_label, find_form, find_period, find_unit
from chitieu.collect.layouts.grid import KEY_COLUMNS, Grid, address
from chitieu.collect.layouts.headers import Meaning, meaning, words
from chitieu.collect.layouts.rowread import read_row
from chitieu.collect.layouts.totals import Figures
from chitieu.collect.layouts.totals import check as check_totals
from chitieu.store.values import NewValue

NAME = "form"
TITLE = {"vi": "Biểu mẫu chính thức (Biểu số …)", "en": "Official report form (Biểu số …)"}
_BIEU = re.compile(r"^bieu so\b|^bieu\s*:?\s*[0-9]")
_STATUS = re.compile(r"^trang thai so lieu\b")


def detect(source: Source) -> int:
    """30 with ``--form`` of a form that has a layout; 20 for a sheet with a form's header
    under a "Biểu số" line or a title naming a period; 0 otherwise."""
    if not source.is_workbook:
        return 0
    if source.options.form:
        form = forms().find(source.options.form)
        return 30 if form is not None and form.layout is not None else 0
    grid = Grid.of(source.table)
    head = grid.header_row()
    if head is None or head == grid.numbers()[0]:
        return 0
    if grid.find(_BIEU, upto=head) or find_period(grid, head)[0] is not None:
        return 20
    return 0


def read(source: Source) -> ImportResult:
    """Every form sheet of the workbook, read into values, scopes and findings."""
    book = source.book
    result = ImportResult(Report(), file=source.file, layout=NAME, sha256=book.table.sha256)
    result.locale = source.options.locale or "vi"
    read_any = False
    for table in source.sheets():
        grid = Grid.of(table)
        if grid.header_row() is None:
            continue  # an instructions sheet, a chart: not a form
        _Sheet(grid, source.options, result).read()
        read_any = True
    if not read_any:
        result.report.add(Finding("form-no-table", file=source.file, sheet=book.table.sheet))
    result.report.stats = {"rows": len(result.parsed) + len(result.compare),
                           "valid_rows": len(result.parsed) + len(result.compare)}  # fmt: skip
    result.values = result.parsed if result.report.valid else []
    return result


@dataclass
class _Column:
    """A value column: its index, header path and what it holds."""

    index: int
    path: tuple[str, ...]
    meaning: Meaning

    @property
    def label(self) -> str:
        return " / ".join(self.path)


@dataclass
class _Sheet:
    """One form sheet being read."""

    grid: Grid
    options: Options
    result: ImportResult
    form: Form | None = None
    period: Period | None = None
    unit: str | None = None
    keys: dict[str, int] = field(default_factory=dict)  # key column → index
    columns: list[_Column] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)  # indicator → its first row
    formulas: set[tuple[int, int]] = field(default_factory=set)
    #: footnote marks below the table and their words ({"(*)": "so uoc"})
    footnotes: dict[str, str] = field(default_factory=dict)
    #: the data status the sheet states ("Trạng thái số liệu: chính thức"): final or not
    status: str = str(Status.PROVISIONAL)
    #: each body row's figures, for the totals' check (``collect.layouts.totals``)
    figures: Figures = field(default_factory=Figures)

    @property
    def report(self) -> Report:
        return self.result.report

    def where(self, row: int | None = None, col: int | None = None, **kw: Any) -> dict[str, Any]:
        """A finding's place in this sheet."""
        t = self.grid.table
        cell = address(row, col) if row is not None and col is not None else None
        return {"file": t.file, "sheet": t.sheet, "row": row, "cell": cell, **kw}

    def add(self, type_: str, row: int | None = None, col: int | None = None,
            severity: Severity = Severity.ERROR, **kw: Any) -> None:  # fmt: skip
        params = kw.pop("params", {})
        self.report.add(Finding(type_, severity, params=params, **self.where(row, col, **kw)))

    def read(self) -> None:
        """The sheet's form, period, unit, header, then its rows."""
        head = self.grid.header_row()
        assert head is not None
        self.form = find_form(self, head)
        self.period = find_period(self.grid, head, self)[0] if self.form else None
        self.unit = find_unit(self, head) if self.period else None
        if self.form is None or self.period is None or self.unit is None:
            return
        at = self.grid.find(_STATUS, upto=head)
        if at is not None and "chinh thuc" in words(_after_label(self.grid, *at)):
            self.status = str(Status.FINAL)
        end = self.grid.header_end(head)
        body = end + 1
        if self.grid.is_numbers_row(body):
            body += 1
        self._header(head, end)
        self.formulas = {(r, c) for r, c in self.grid.table.formulas}
        self._body(body)

    def _header(self, first: int, last: int) -> None:
        for col in range(self.grid.width()):
            path = self.grid.path(first, last, col)
            if not path:
                continue
            key = KEY_COLUMNS.get(words(path[0])) or KEY_COLUMNS.get(words(path[-1]))
            if key is not None:
                self.keys.setdefault(key, col)
                continue
            assert self.period is not None
            got = meaning(path, self.period)
            if got is None:
                self.add("form-column-unknown", first, col, Severity.WARNING,
                         value=" / ".join(path), column=" / ".join(path))  # fmt: skip
                continue
            self.columns.append(_Column(col, path, got))

    def _body(self, start: int) -> int:
        """Read the rows from ``start`` to the table's end; the row the table ends at."""
        last = start
        self.footnotes = {}
        rows = [n for n in self.grid.numbers() if n >= start]
        end = next((n for n in rows if self.grid.ends_table(n)), None)
        if end is not None:
            self.footnotes = self.grid.footnotes(end)
        for n in rows:
            if end is not None and n >= end:
                break
            self._row(n)
            last = n
        check_totals(self)
        return end if end is not None else last + 1

    def _row(self, n: int) -> None:
        read_row(self, n)

    def scope(self, kind: str) -> str | None:
        """The round of the form whose values (``kind``, the file's period) these are."""
        assert self.form is not None
        rnd = next((r for r in self.form.rounds if str(r.kind) == kind), None)
        return None if rnd is None else str(rnd.round)

    def store(self, v: NewValue, n: int, col: _Column) -> None:
        """Keep a value read at row ``n``: of the form's round (replaces it) or compare-only."""
        place = self.where(n, col.index)
        key = v.key
        res = self.result
        if key in res.places:
            first = res.places[key]
            self.add("form-duplicate-value", n, col.index, value=v.value, indicator=v.indicator,
                     column=col.label, params={"first": first.get("cell"),
                                               "first_sheet": first.get("sheet")})  # fmt: skip
            return
        res.places[key] = place
        rnd = self.scope(str(v.kind)) if v.period == self.period_id else None
        if rnd is not None:
            assert self.form is not None and self.unit is not None
            sc = ReplaceScope(self.form.code, self.unit, v.period, rnd)
            if sc not in res.replace:
                res.replace.append(sc)
            res.parsed.append(v)  # type: ignore[union-attr]  # a list: this layout made it
        else:
            res.compare.append(v)

    @property
    def period_id(self) -> str:
        assert self.period is not None
        return self.period.id

    @property
    def layout(self) -> FormLayout:
        assert self.form is not None and self.form.layout is not None
        return self.form.layout
