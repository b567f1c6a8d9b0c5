"""Total rows of an official sheet recomputed from their parts and compared.

Two kinds of total: a row labelled "Tổng số", "Tổng cộng", "Cộng" (or "Tổng") that names no
indicator — its parts are the indicator rows below it up to the next total (a "Tổng số" over
its "Trong đó" rows), or, where none follows, those above it since the last total (a "Tổng
cộng" closing the table); such a row is checked and never stored. And an indicator whose
catalog entry lists its components (``components:``) when the sheet has a row for each: the
row is stored as every indicator is, and checked against their sum.

Each value column is compared in the catalog's units (the rows' units of measure converted);
a disagreement beyond the rounding of the total's cell is a ``form-total-mismatch`` finding
at that cell, so nothing of the workbook is written. Parts of different measures are not
added up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chitieu.catalog.indicators import catalog
from chitieu.collect.layouts.headers import words

if TYPE_CHECKING:
    from chitieu.collect.layouts.wide import _Column, _Sheet

#: a total's label, compared as ``headers.words`` gives it, numbering left out
TOTAL_LABEL = re.compile(r"^(?:tong so|tong cong|cong|tong)(?:\s*:)?$|^(?:tong so|tong cong)\b")


@dataclass
class Figures:
    """What the sheet's rows held: per body row, its indicator (None: a total row), its
    figures per value column (in the catalog's units; a total row's as printed) and the
    factor from the printed unit to the catalog's."""

    rows: dict[int, tuple[str | None, dict[int, float], float]] = field(default_factory=dict)
    #: each total row's printed unit of measure
    measures: dict[int, str] = field(default_factory=dict)


def is_total_label(name: str) -> bool:
    """Is ``name`` (a row's "Chỉ tiêu" cell, numbering left out) a total's label?"""
    return bool(TOTAL_LABEL.search(words(name)))


def check(sheet: _Sheet) -> None:
    """Compare every total row and every catalog total on the sheet with its parts."""
    figs: Figures = sheet.figures
    order = sorted(figs.rows)
    for n in order:
        ind = figs.rows[n][0]
        if ind is None:
            parts = _label_parts(figs, order, n)
            _compare(sheet, n, None, parts)
        elif comps := catalog().indicators[ind].components:
            by_ind = {got[0]: r for r, got in figs.rows.items() if got[0] is not None}
            if all(c in by_ind for c in comps):
                _compare(sheet, n, ind, [by_ind[c] for c in comps])


def _label_parts(figs: Figures, order: list[int], n: int) -> list[int]:
    """The indicator rows a total row at ``n`` adds up (see the module), a catalog total
    among them left out where its components are there too."""
    rows = _section(figs, order, n)
    inds = {figs.rows[r][0] for r in rows}
    cat = catalog().indicators
    return [r for r in rows if not _covered(cat[str(figs.rows[r][0])].components, inds)]


def _covered(components: tuple[str, ...], inds: set[str | None]) -> bool:
    return bool(components) and all(c in inds for c in components)


def _section(figs: Figures, order: list[int], n: int) -> list[int]:
    """The indicator rows below the total up to the next one; where none, those above it
    since the last."""
    at = order.index(n)
    below: list[int] = []
    for r in order[at + 1 :]:
        if figs.rows[r][0] is None:
            break
        below.append(r)
    if below:
        return below
    above: list[int] = []
    for r in reversed(order[:at]):
        if figs.rows[r][0] is None:
            break
        above.append(r)
    return above[::-1]


def _compare(sheet: _Sheet, n: int, ind: str | None, parts: list[int]) -> None:
    figs: Figures = sheet.figures
    cat = catalog()
    inds = [figs.rows[r][0] for r in parts]
    measures = {cat.indicators[i].measure for i in inds if i is not None}
    if not parts or len(measures) != 1:
        return
    _, shown, own = figs.rows[n]
    # a total row's figures are as printed: its own unit of measure converted
    factor = own if ind is not None else _factor(sheet, figs.measures.get(n, ""), measures.pop())
    if factor is None:
        return
    for col in sheet.columns:
        if col.meaning.derived is not None or col.index not in shown:
            continue
        got = [figs.rows[r][1][col.index] for r in parts if col.index in figs.rows[r][1]]
        if not got:
            continue
        stated, expected = shown[col.index] * (factor if ind is None else 1.0), sum(got)
        tol = _rounding(sheet, n, col) * factor + 1e-9 * abs(expected)
        if abs(stated - expected) > tol:
            _finding(sheet, n, col, ind, parts, expected / factor)


def _factor(sheet: _Sheet, printed: str, measure: str) -> float | None:
    """The factor from a total row's printed unit to the catalog's ``measure`` (1: the
    same or none printed; None: another measure)."""
    want = catalog().measures[measure]
    if not printed or words(printed) in (words(want.vi), words(want.en)):
        return 1.0
    for text, (code, factor) in sheet.layout.conversions.items():
        if words(text) == words(printed) and code == measure:
            return factor
    return None


def _rounding(sheet: _Sheet, n: int, col: _Column) -> float:
    return rounding(sheet.grid.raw(n, col.index))


def rounding(raw: object) -> float:
    """Half a unit of the last decimal the cell holds ("123,45": 0.005; 130: 0.5)."""
    if isinstance(raw, int | float):
        text = repr(float(raw))
        decimals = 0 if text.endswith(".0") else len(text.split(".")[-1])
        return 0.5 * 10**-decimals if "e" not in text else 0.0
    if not isinstance(raw, str):
        return 0.0
    m = re.search(r"[.,]([0-9]+)\s*(?:\S*)$", raw.strip())
    return 0.5 * 10 ** -len(m.group(1)) if m else 0.5


def _finding(sheet: _Sheet, n: int, col: _Column, ind: str | None, parts: list[int],
             expected: float) -> None:  # fmt: skip
    name_col = sheet.keys.get("name", sheet.keys.get("code", 0))
    label = sheet.grid.text(n, name_col)
    rows = ", ".join(str(r) for r in parts)
    sheet.add("form-total-mismatch", n, col.index, value=sheet.grid.raw(n, col.index),
              column=col.label, indicator=ind or label,
              params={"expected": f"{expected:,.10g}", "rows": rows, "label": label})  # fmt: skip
