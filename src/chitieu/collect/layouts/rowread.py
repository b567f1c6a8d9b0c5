"""One body row of an official sheet: its indicator (by "Mã số", else by name or alias),
its unit of measure, its values, and its derived columns recomputed and compared.

A row that names nothing the form knows and holds no number is a heading ("I. Doanh thu")
and is passed over; one that holds numbers is an unknown indicator, at its name's cell.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from chitieu.catalog.indicators import catalog
from chitieu.catalog.vocabulary import Kind, Status
from chitieu.collect.layouts.grid import address, split_mark
from chitieu.collect.layouts.headers import words
from chitieu.collect.layouts.totals import is_total_label, rounding
from chitieu.collect.numbers import parse_number
from chitieu.errors import NumberFormatError
from chitieu.store.values import NewValue

if TYPE_CHECKING:
    from chitieu.collect.layouts.wide import _Column, _Sheet

#: numbering before a row's name: "1.", "1.1", "a)", "-", "+", "I."
_NOTHING = {"", "-", "–", "—", "x", "...", "…", "0x"}
_NUMBERING = re.compile(r"^(?:[0-9]+(?:\.[0-9]+)*\.?|[a-z]\)|[ivx]+\.|[-+•])\s+")


def _names(sheet: _Sheet) -> dict[str, str]:
    """Compared name → indicator: the row's label, its aliases, the catalog's names, the
    code."""
    cached: dict[str, str] | None = getattr(sheet, "_names_cache", None)
    if cached is not None:
        return cached
    cat = catalog()
    out: dict[str, str] = {}
    for r in sheet.layout.rows:
        ind = cat.indicators[r.indicator]
        for name in (r.label, *r.aliases, ind.name.vi, ind.name.en, r.indicator):
            out.setdefault(words(name), r.indicator)
    sheet._names_cache = out  # type: ignore[attr-defined]
    return out


def _plain_code(text: str) -> str:
    return text.strip().lstrip("0") or "0"


def indicator_of(sheet: _Sheet, n: int) -> str | None:
    """The row's indicator by its "Mã số", else its name (None: not one of the form's)."""
    g, keys = sheet.grid, sheet.keys
    if "code" in keys and (code := g.text(n, keys["code"])):
        got = next((r.indicator for r in sheet.layout.rows
                    if _plain_code(r.code) == _plain_code(code)), None)  # fmt: skip
        if got is not None:
            return got
    if "name" in keys and (name := g.text(n, keys["name"])):
        plain = _NUMBERING.sub("", words(name))
        return _names(sheet).get(plain) or _names(sheet).get(words(name))
    return None


def _has_numbers(sheet: _Sheet, n: int) -> bool:
    for col in sheet.columns:
        raw = sheet.grid.raw(n, col.index)
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return True
        if isinstance(raw, str) and re.search(r"[0-9]", raw):
            return True
    return False


def read_row(sheet: _Sheet, n: int) -> None:
    """Read row ``n``: its values kept (``sheet.store``), its problems reported."""
    ind = indicator_of(sheet, n)
    if ind is None:
        _not_an_indicator(sheet, n)
        return
    if ind in sheet.seen:
        col = sheet.keys.get("name", 0)
        sheet.add("form-duplicate-row", n, col, value=sheet.grid.text(n, col), indicator=ind,
                  params={"first_row": sheet.seen[ind]})  # fmt: skip
        return
    sheet.seen[ind] = n
    measure = sheet.grid.text(n, sheet.keys["measure"]) if "measure" in sheet.keys else ""
    factor = measure_factor(sheet, ind, measure, n)
    if factor is None:
        return
    got: dict[int, float] = {}
    for column in sheet.columns:
        if column.meaning.derived is None:
            value = _value(sheet, ind, n, column, factor)
            if value is not None:
                got[column.index] = value
    for column in sheet.columns:
        if column.meaning.derived is not None:
            _derived(sheet, ind, n, column, got)
    sheet.figures.rows[n] = (ind, {c: v * factor for c, v in got.items()}, factor)


def _not_an_indicator(sheet: _Sheet, n: int) -> None:
    """A row that names none of the form's indicators: a total (kept to be compared), a
    heading (passed over), or an unknown indicator (it holds numbers)."""
    if _is_total(sheet, n):
        _total_row(sheet, n)
    elif _has_numbers(sheet, n):
        col = sheet.keys.get("name", sheet.keys.get("code", 0))
        names = ", ".join(r.label for r in sheet.layout.rows)
        sheet.add("form-unknown-indicator", n, col, value=sheet.grid.text(n, col),
                  params={"names": names, "form": sheet.layout.number})  # fmt: skip


def _is_total(sheet: _Sheet, n: int) -> bool:
    """Does row ``n`` name a total ("Tổng số", "Tổng cộng", "Cộng")?"""
    if "name" not in sheet.keys:
        return False
    return is_total_label(_NUMBERING.sub("", words(sheet.grid.text(n, sheet.keys["name"]))))


def _total_row(sheet: _Sheet, n: int) -> None:
    """A total row's figures as printed, kept to be compared with its parts (never stored;
    a formula without a result is left out: there is nothing to compare)."""
    shown: dict[int, float] = {}
    for col in sheet.columns:
        if col.meaning.derived is not None or (n, col.index) in sheet.formulas:
            continue
        got = number(sheet, sheet.grid.raw(n, col.index), n, col)
        if got is not None:
            shown[col.index] = got[0]
    sheet.figures.rows[n] = (None, shown, 1.0)
    if "measure" in sheet.keys:
        sheet.figures.measures[n] = sheet.grid.text(n, sheet.keys["measure"])


def _value(sheet: _Sheet, ind: str, n: int, col: _Column, factor: float) -> float | None:
    """The value of one cell (stored through ``sheet.store``), as on the sheet."""
    if (n, col.index) in sheet.formulas:
        cell = address(n, col.index)
        sheet.add("formula-no-result", n, col.index, value=cell, column=col.label,
                  indicator=ind, params={"cell": cell})  # fmt: skip
        return None
    got = number(sheet, sheet.grid.raw(n, col.index), n, col)
    if got is None:
        return None
    shown, mark = got
    m = col.meaning
    assert m.kind is not None and m.period is not None and sheet.unit is not None
    kind, status = marked(sheet, m.kind, mark)
    value = shown * factor if factor != 1 else shown
    sheet.store(NewValue(ind, sheet.unit, m.period.id, kind, value, status), n, col)
    return shown


def _partners(sheet: _Sheet, col: _Column) -> tuple[_Column, _Column] | None:
    """(numerator, denominator) columns of a derived column: the nearest figure to its left
    that is not a plan, and the same period a year before (yoy) or the year's plan."""
    left = [c for c in sheet.columns if c.index < col.index and c.meaning.derived is None
            and c.meaning.kind != "plan"]  # fmt: skip
    if not left:
        return None
    num = left[-1]
    p = num.meaning.period
    assert p is not None
    for c in sheet.columns:
        m = c.meaning
        if m.derived is not None or m.period is None:
            continue
        if col.meaning.derived == "yoy" and m.kind == "actual" and m.period == p.shift_years(-1):
            return num, c
        if col.meaning.derived == "plan" and m.kind == "plan" and m.period.end.year == p.end.year:
            return num, c
    return None


def _derived(sheet: _Sheet, ind: str, n: int, col: _Column, got: dict[int, float]) -> None:
    """A derived cell recomputed from its row's figures and compared (never stored)."""
    raw = sheet.grid.raw(n, col.index)
    if raw in (None, ""):
        return
    shown = number(sheet, raw, n, col)
    pair = _partners(sheet, col)
    if shown is None or pair is None:
        return
    num, den = got.get(pair[0].index), got.get(pair[1].index)
    if num is None or not den:
        return
    ratio = num / den * 100
    tol = sheet.layout.tolerance + rounding(raw)
    if min(abs(shown[0] - ratio), abs(shown[0] - (ratio - 100))) > tol:
        sheet.add("form-derived-mismatch", n, col.index, value=raw, column=col.label,
                  indicator=ind, params={"expected": f"{ratio:.2f}", "of": pair[0].label,
                                         "to": pair[1].label})  # fmt: skip


def number(sheet: _Sheet, raw: Any, n: int, col: _Column) -> tuple[float, str | None] | None:
    """A value cell's number and footnote mark; None (and a finding, if it is not blank)."""
    if isinstance(raw, bool):
        sheet.add("form-bad-number", n, col.index, value=str(raw), column=col.label,
                  params={"reason": "true/false"})  # fmt: skip
        return None
    if isinstance(raw, int | float):
        return float(raw), None
    text, mark = split_mark(str(raw).strip())
    if text.casefold() in _NOTHING:
        return None
    try:
        return parse_number(text, sheet.result.locale).value, mark
    except NumberFormatError as exc:
        sheet.add("form-bad-number", n, col.index, value=str(raw), column=col.label,
                  params={"reason": exc.message})  # fmt: skip
        return None


def marked(sheet: _Sheet, kind: str, mark: str | None) -> tuple[str, str]:
    """The (kind, status) a footnote mark makes of a value: "(*) Số ước" → an estimate,
    "sơ bộ" → provisional, "chính thức" → final."""
    status = sheet.status
    meant = sheet.footnotes.get(mark or "", "") if mark else ""
    if not meant:
        return kind, status
    if re.search(r"\bchinh thuc\b", meant):
        status = str(Status.FINAL)
    if re.search(r"\buoc\b", meant) and kind == Kind.ACTUAL:
        kind = str(Kind.ESTIMATE)
    return kind, status


def measure_factor(sheet: _Sheet, indicator: str, text: str, n: int) -> float | None:
    """The factor that turns the form's unit of measure into the catalog's (1: the same);
    None and a finding when it cannot be converted."""
    cat = catalog()
    ind = cat.indicators[indicator]
    want = cat.measures[ind.measure]
    if not text or words(text) in (words(want.vi), words(want.en)):
        return 1.0
    for printed, (code, factor) in sheet.layout.conversions.items():
        if words(printed) == words(text) and code == ind.measure:
            return factor
    col = sheet.keys.get("measure")
    sheet.add("form-measure", n, col, value=text, indicator=indicator, column="Đơn vị tính",
              params={"expected": want.vi})  # fmt: skip
    return None
