"""The pivot table: indicators × provinces × periods, two of them as rows and columns (the
third fixed to one member), each cell with its kind and coverage, the nation's own figure as
the provinces' total; exported to Excel (``interop/xlsx.py``) and CSV exactly as on screen."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from chitieu.analyze.facts import Fact, load
from chitieu.analyze.series import like_for_like
from chitieu.catalog.indicators import catalog
from chitieu.catalog.periods import Period, parse_period
from chitieu.catalog.units import NATION_ID, registry
from chitieu.catalog.vocabulary import Boundaries
from chitieu.fmt import period_label
from chitieu.interop.cells import csv_cell
from chitieu.interop.xlsx import Column, Sheet, write_xlsx
from chitieu.web import i18n
from chitieu.web.accounts import Account
from chitieu.web.deps import User, get_store
from chitieu.web.errors import ERROR_RESPONSES, Invalid
from chitieu.web.i18n import _
from chitieu.web.params import QueryMoment
from chitieu.web.render import page, unit_name
from chitieu.web.routes.dashboard_data import (
    boundaries_of,
    coverage_note,
    default_period,
    figure_text,
    parse_period_param,
    withheld_text,
)

router = APIRouter()
DIMS = ("indicator", "unit", "period")
FORMATS = ("json", "csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Cell:
    """One cell: the figure (None: none or withheld), as text, and what it is."""

    value: float | None
    text: str
    kind: str = ""
    coverage: str = ""
    withheld: str = ""
    decimals: int = 0


@dataclass
class Pivot:
    """The table as on screen: header, row labels, cells, the total row (if any), notes."""

    corner: str
    columns: list[str]
    rows: list[tuple[str, list[Cell]]] = field(default_factory=list)
    total: tuple[str, list[Cell]] | None = None
    notes: list[str] = field(default_factory=list)
    keys: dict[str, list[str]] = field(default_factory=dict)


def _members(dim: str, selected: dict[str, list[str]]) -> list[str]:
    return selected[dim]


def _label(dim: str, key: str, lang: str) -> str:
    if dim == "indicator":
        return catalog().get(key).name(lang)
    if dim == "unit":
        return unit_name(key)
    return period_label(parse_period(key), lang)


def _cell(f: Fact | None, lang: str) -> Cell:
    if f is None:
        return Cell(None, "")
    return Cell(
        f.value,
        figure_text(f.value, f.decimals, lang),
        f.kind or "",
        coverage_note(f),
        withheld_text(f),
        f.decimals,
    )


def selection(
    user: Account, p: Period, b: Boundaries, indicators: str, units: str, periods: str, years: int
) -> dict[str, list[str]]:
    """The members of each dimension: the indicators asked for (else the first), the units
    (else the provinces of the boundaries the account may read), the periods (else the
    like-for-like run ending at ``p``)."""
    cat = catalog()
    inds = [cat.get(c).code for c in indicators.split(",") if c] or [next(iter(cat)).code]
    system = "63" if b == Boundaries.AS_REPORTED and p.end.isoformat() < "2025-07-01" else "34"
    if units:
        us = [u for u in units.split(",") if u and user.can_read(u)]
    else:
        us = [
            u.id
            for u in registry().all()
            if u.level == 1 and u.system == system and user.can_read(u.id)
        ]
    ps = [parse_period_param(x).id for x in periods.split(",") if x] or [
        q.id for q in like_for_like(p, max(1, min(years, 12)))
    ]
    return {"indicator": inds, "unit": us, "period": ps}


def build(
    request: Request,
    user: Account,
    rows: str,
    cols: str,
    sel: dict[str, list[str]],
    b: Boundaries,
    as_of: datetime | None,
) -> Pivot:
    """The pivot of ``sel`` with ``rows`` and ``cols`` (two different dimensions; the third
    must hold one member)."""
    if rows not in DIMS or cols not in DIMS or rows == cols:
        raise Invalid(
            _("Rows and columns must be two of: indicator, unit, period."), "rows=unit&cols=period"
        )
    fixed = next(d for d in DIMS if d not in (rows, cols))
    if len(sel[fixed]) != 1:
        raise Invalid(_("Choose one %(d)s, or put it in the rows or the columns.") % {"d": fixed})
    lang = i18n.get_lang()
    need_nation = "unit" in (rows, cols) and user.sees_all
    loaded = load(get_store(request), sel["period"], b, as_of, indicators=sel["indicator"])
    sets = {q: loaded.facts(q, sel["indicator"]) for q in sel["period"]}

    def fact(key: dict[str, str]) -> Fact | None:
        return sets[key["period"]].get(key["indicator"], key["unit"])

    base = {fixed: sel[fixed][0]}
    out = Pivot(
        _corner(rows, cols, fixed, sel, lang),
        [_label(cols, c, lang) for c in sel[cols]],
        keys={"rows": sel[rows], "columns": sel[cols]},
    )
    for r in sel[rows]:
        out.rows.append(
            (
                _label(rows, r, lang),
                [_cell(fact({**base, rows: r, cols: c}), lang) for c in sel[cols]],
            )
        )
    if need_nation and rows == "unit":
        out.total = (
            _("Whole country (its own figure)"),
            [_cell(fact({**base, "unit": NATION_ID, cols: c}), lang) for c in sel[cols]],
        )
    out.notes = _notes(out)
    return out


def _corner(rows: str, cols: str, fixed: str, sel: dict[str, list[str]], lang: str) -> str:
    words = {"indicator": _("Indicator"), "unit": _("Unit"), "period": _("Period")}
    return f"{words[rows]} \\ {words[cols]} — {_label(fixed, sel[fixed][0], lang)}"


def _notes(p: Pivot) -> list[str]:
    every = [
        (label, c, cell)
        for label, cells in [*p.rows, *([p.total] if p.total else [])]
        for c, cell in zip(p.columns, cells, strict=True)
    ]
    est = [f"{label} × {c}" for label, c, cell in every if cell.kind == "estimate"]
    inc = [f"{label} × {c} ({cell.coverage})" for label, c, cell in every if cell.coverage]
    notes = [
        _(
            "Figures are those of the fact table; the whole country is its own figure, "
            "not the sum of the rows."
        )
    ]
    if est:
        notes.append(_("Estimates: %(cells)s") % {"cells": "; ".join(est)})
    if inc:
        notes.append(_("Not every unit reported: %(cells)s") % {"cells": "; ".join(inc)})
    return notes


def to_rows(p: Pivot) -> list[list[str]]:
    """The table as text, header first, exactly as on screen."""
    out = [[p.corner, *p.columns]]
    out += [
        [label, *(c.text or c.withheld or "—" for c in cells)]
        for label, cells in [*p.rows, *([p.total] if p.total else [])]
    ]
    return out


def to_csv(p: Pivot) -> str:
    """CSV of the table on screen (numbers as the page writes them), notes below."""
    buf = io.StringIO()
    w = csv.writer(buf)
    for row in to_rows(p):
        w.writerow([csv_cell(x) for x in row])
    for note in p.notes:
        w.writerow([csv_cell(note)])
    return "\ufeff" + buf.getvalue()


def to_xlsx(p: Pivot, lang: str) -> bytes:
    """The table as a workbook: the same header and rows, figures as numbers."""
    decimals = max([c.decimals for _l, cells in p.rows for c in cells] + [0])
    cols = [Column(p.corner, "text", width=36)] + [Column(h, "number", decimals) for h in p.columns]
    body = [
        [label, *(c.value if c.value is not None else (c.withheld or None) for c in cells)]
        for label, cells in [*p.rows, *([p.total] if p.total else [])]
    ]
    buf = io.BytesIO()
    write_xlsx([Sheet(_("Pivot table"), cols, body, notes=p.notes)], buf, lang)
    return buf.getvalue()


def to_json(p: Pivot) -> dict[str, Any]:
    """The table as data: header, rows of cells (value, kind, coverage, withheld), total."""

    def cells(cs: list[Cell]) -> list[dict[str, Any]]:
        return [
            {
                "value": c.value,
                "text": c.text,
                "kind": c.kind or None,
                "coverage": c.coverage or None,
                "withheld": c.withheld or None,
            }
            for c in cs
        ]

    return {
        "corner": p.corner,
        "columns": p.columns,
        "keys": p.keys,
        "rows": [{"label": label, "cells": cells(cs)} for label, cs in p.rows],
        "total": None if p.total is None else {"label": p.total[0], "cells": cells(p.total[1])},
        "notes": p.notes,
    }


def _pivot(
    request: Request,
    user: Account,
    period: str,
    rows: str,
    cols: str,
    indicator: str,
    unit: str,
    periods: str,
    years: int,
    boundaries: str,
    as_of: datetime | None,
) -> Pivot:
    p = parse_period_param(period or default_period(get_store(request)))
    b = boundaries_of(boundaries)
    sel = selection(user, p, b, indicator, unit, periods, years)
    return build(request, user, rows, cols, sel, b, as_of)


def _answer(p: Pivot, fmt: str, name: str) -> Response:
    if fmt not in FORMATS:
        raise Invalid(_("Unknown format %(f)s.") % {"f": fmt[:20]}, ", ".join(FORMATS))
    if fmt == "csv":
        return Response(
            to_csv(p),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if fmt == "xlsx":
        return Response(
            to_xlsx(p, i18n.get_lang()),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    return JSONResponse(to_json(p))


@router.get("/api/v1/pivot", tags=["v1"], responses=ERROR_RESPONSES)
def api_pivot(
    request: Request,
    user: User,
    rows: str = "unit",
    cols: str = "period",
    period: str = "",
    indicator: str = "",
    unit: str = "",
    periods: str = "",
    years: int = 5,
    format: str = "json",
    boundaries: str = "current",
    as_of: QueryMoment | None = None,
) -> Response:
    """Indicators × units × periods as a table (``rows`` and ``cols`` two of indicator, unit,
    period; the third one member), each cell with its kind and coverage; json, csv or xlsx."""
    p = _pivot(
        request, user, period, rows, cols, indicator, unit, periods, years, boundaries, as_of
    )
    return _answer(p, format, f"pivot_{period or 'latest'}")


@router.get("/dashboard/pivot", response_class=HTMLResponse, include_in_schema=False)
def pivot_page(
    request: Request,
    user: User,
    rows: str = "unit",
    cols: str = "period",
    period: str = "",
    indicator: str = "",
    unit: str = "",
    periods: str = "",
    years: int = 5,
    boundaries: str = "current",
    as_of: QueryMoment | None = None,
) -> HTMLResponse:
    """The pivot table with its pickers and its exports (the same table)."""
    p = _pivot(
        request, user, period, rows, cols, indicator, unit, periods, years, boundaries, as_of
    )
    from urllib.parse import urlencode

    q = {k: v for k, v in request.query_params.items() if k != "format"}
    return page(
        request,
        "dashboard_pivot.html",
        pivot=p,
        rows=rows,
        cols=cols,
        period=period or default_period(get_store(request)),
        indicator=indicator,
        indicators=list(catalog()),
        boundaries=boundaries,
        years=years,
        export=lambda fmt: "/api/v1/pivot?" + urlencode({**q, "format": fmt}),
    )
