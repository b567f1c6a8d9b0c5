"""Dashboard: headline figures with their kind and coverage, the like-for-like series, the
provinces ranked (every one named) or on a tile map, drill-down nation → province, the table
on screen as CSV. Everything is read from the fact table; charts are SVG drawn here
(``web/svgcharts.py``, ``web/tilemap.py``): no charting library goes to the browser."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from chitieu.analyze.facts import Fact, FactLoad, FactSet, load
from chitieu.catalog.indicators import Indicator, catalog
from chitieu.catalog.periods import Period
from chitieu.catalog.units import registry
from chitieu.catalog.vocabulary import Boundaries
from chitieu.interop.cells import csv_cell
from chitieu.report.render import formats as report_formats
from chitieu.web import i18n
from chitieu.web.accounts import Account
from chitieu.web.deps import User, get_store, require_read
from chitieu.web.i18n import _
from chitieu.web.params import QueryMoment
from chitieu.web.render import page, pct, unit_name
from chitieu.web.routes.dashboard_data import (
    SeriesView,
    boundaries_of,
    coverage_note,
    default_period,
    default_unit,
    figure_text,
    parse_period_param,
    period_groups,
    series_runs,
    series_view,
    withheld_text,
)
from chitieu.web.svgcharts import PALETTE, bar_width, series_chart, swatch, word
from chitieu.web.tilemap import Tile, legend, tile_map

router = APIRouter(include_in_schema=False)
CHARTS = ("line", "column")
SHOWS = ("bars", "map")
MEASURES = ("value", "change", "plan")
#: headline cards (one row of four on a desktop, two rows of two on a phone)
HEADLINES = 4


@dataclass
class View:
    """What the dashboard shows: its URL's query (a saved view is this)."""

    period: str
    unit: str
    indicator: str = ""
    boundaries: str = "current"
    chart: str = "line"
    show: str = "bars"
    measure: str = "value"
    as_of: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def query(self, **changes: str) -> str:
        """The view's query string with ``changes`` (defaults left out)."""
        d = {**self.__dict__, **changes}
        d.pop("extra")
        keep = {k: v for k, v in d.items() if v and v != DEFAULTS.get(k)}
        return urlencode(keep)

    def link(self, **changes: str) -> str:
        """The dashboard's URL of this view with ``changes``."""
        return "/dashboard?" + self.query(**changes)


DEFAULTS = {"boundaries": "current", "chart": "line", "show": "bars", "measure": "value"}


def _choice(value: str, allowed: tuple[str, ...]) -> str:
    return value if value in allowed else allowed[0]


def make_view(
    request: Request,
    user: Account,
    period: str,
    unit: str,
    indicator: str,
    boundaries: str,
    chart: str,
    show: str,
    measure: str,
    as_of: datetime | None,
) -> View:
    """The view asked for, checked (the unit readable, the period and indicator known)."""
    store = get_store(request)
    p = parse_period_param(period or default_period(store))
    uid = unit or default_unit(user)
    require_read(user, uid)
    boundaries_of(boundaries)
    if indicator:
        catalog().get(indicator)  # an unknown indicator: 404 before anything is computed
    return View(
        p.id,
        uid,
        indicator,
        boundaries,
        _choice(chart, CHARTS),
        _choice(show, SHOWS),
        _choice(measure, MEASURES),
        as_of.isoformat() if as_of else "",
    )


@dataclass
class Figure:
    """A figure as the page shows it: the number, what it is and what it covers."""

    fact: Fact
    name: str
    measure: str
    value: str
    kind: str
    coverage: str
    withheld: str
    previous: str
    change: str
    change_class: str
    plan: str
    change_why: str
    plan_why: str


def figure(f: Fact, ind: Indicator, lang: str) -> Figure:
    """One fact as the page shows it (kind and coverage beside the number; a withheld
    comparison says why, never a coloured dash)."""
    cat = catalog()
    change = pct(f.change_pct, True) if f.change_pct is not None else "—"
    cls = "" if f.change_pct is None else ("up" if f.change_pct >= 0 else "down")
    return Figure(
        f,
        ind.name(lang),
        cat.measure(ind, lang),
        figure_text(f.value, f.decimals, lang),
        f.kind or "",
        coverage_note(f),
        withheld_text(f),
        figure_text(f.previous, f.decimals, lang),
        change,
        cls,
        pct(f.plan_pct) if f.plan_pct is not None else "—",
        withheld_text(f, "change_pct"),
        withheld_text(f, "plan_pct"),
    )


def _facts(
    request: Request, view: View, with_series: bool = False
) -> tuple[FactSet, Period, FactLoad]:
    """The period's facts, from one load that also holds the series' periods if asked."""
    p = parse_period_param(view.period)
    as_of = datetime.fromisoformat(view.as_of) if view.as_of else None
    periods = [p]
    if with_series:
        periods = list({q.id: q for run in series_runs(p).values() for q in [*run, p]}.values())
    got = load(get_store(request), periods, Boundaries(view.boundaries), as_of)
    return got.facts(p), p, got


def province_rows(facts: FactSet, code: str, user: Account, view: View) -> list[dict[str, Any]]:
    """Every province's figure of ``code`` the account may read, ranked, as bars from zero."""
    lang = i18n.get_lang()
    rows = [f for f in facts.of_indicator(code) if f.level == 1 and user.can_read(f.unit)]
    rows.sort(key=lambda f: (f.value is None, -(f.value or 0), unit_name(f.unit)))
    top = max([f.value or 0 for f in rows] + [0.0])
    return [
        {
            "fact": f,
            "name": unit_name(f.unit),
            "value": figure_text(f.value, f.decimals, lang),
            "width": f"{bar_width(f.value, top):.2f}",
            "coverage": coverage_note(f),
            "withheld": withheld_text(f),
            "current": f.unit == view.unit,
            "href": view.link(unit=f.unit),
            "change": pct(f.change_pct, True) if f.change_pct is not None else "—",
        }
        for f in rows
    ]


def map_svg(facts: FactSet, code: str, user: Account, view: View, system: str) -> str:
    """The tile map of ``code``'s figures (value, change or % of plan) by province."""
    lang = i18n.get_lang()
    ind = catalog().get(code)
    attr = {"value": "value", "change": "change_pct", "plan": "plan_pct"}[view.measure]
    tiles = []
    for u in (u for u in registry().all() if u.level == 1 and u.system == system):
        f = facts.get(code, u.id)
        v = getattr(f, attr) if f is not None and user.can_read(u.id) else None
        text = _tile_text(f, v, view.measure, lang) if f is not None else _("no figure")
        tiles.append(Tile(u.id, unit_name(u.id), v, text, view.link(unit=u.id)))
    values = [t.value for t in tiles if t.value is not None]
    key = legend(view.measure, values, lang, lambda x: figure_text(x, ind.decimals, lang))
    title = f"{ind.name(lang)} — {_('by province')}"
    return tile_map(system, tiles, title, key, _("no figure"), view.unit)


def _tile_text(f: Fact, v: float | None, measure: str, lang: str) -> str:
    if v is None:
        why = withheld_text(
            f, {"value": "value", "change": "change_pct", "plan": "plan_pct"}[measure]
        )
        return why or _("no figure")
    shown = (
        figure_text(v, f.decimals, lang)
        if measure == "value"
        else pct(v, measure == "change") + " %"
    )
    return " · ".join(
        x
        for x in (
            shown,
            coverage_note(f),
            word("estimate", lang).split(" (")[0] if f.kind == "estimate" else "",
        )
        if x
    )


def _series(
    request: Request, view: View, p: Period, ind: Indicator, loaded: FactLoad
) -> tuple[SeriesView, str]:
    as_of = datetime.fromisoformat(view.as_of) if view.as_of else None
    b = Boundaries(view.boundaries)
    store = get_store(request)
    sv = series_view(store, p, ind.code, view.unit, b, as_of, ind.decimals, loaded=loaded)
    title = f"{ind.name(i18n.get_lang())} — {unit_name(view.unit)}"
    return sv, series_chart(title, sv.lines, i18n.get_lang(), view.chart)


def _system(p: Period, view: View) -> str:
    if view.boundaries == "as_reported" and p.end.isoformat() < "2025-07-01":
        return "63"
    return "34"


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(
    request: Request,
    user: User,
    period: str = "",
    unit: str = "",
    indicator: str = "",
    boundaries: str = "current",
    chart: str = "line",
    show: str = "bars",
    measure: str = "value",
    as_of: QueryMoment | None = None,
) -> HTMLResponse:
    """Headline figures, the like-for-like series and the provinces for a period and unit."""
    view = make_view(
        request, user, period, unit, indicator, boundaries, chart, show, measure, as_of
    )
    facts, p, loaded = _facts(request, view, with_series=True)
    lang = i18n.get_lang()
    cat = catalog()
    mine = [f for f in facts.of_unit(view.unit) if f.value is not None or f.withheld]
    code = view.indicator or (mine[0].indicator if mine else next(iter(cat)).code)
    ind = cat.get(code)
    figures = [figure(f, cat.get(f.indicator), lang) for f in mine]
    ctx: dict[str, Any] = {
        "view": view,
        "figures": figures,
        "headline": figures[:HEADLINES],
        "indicator": ind,
        "period_groups": period_groups(get_store(request), p.id),
        "report_formats": list(report_formats()),
        "indicators": list(cat),
        "rule": word("figure_rule", lang),
        "palette": PALETTE,
        "swatch": swatch,
        "marks": {k: word(k, lang) for k in ("actual", "estimate", "incomplete", "withheld")},
    }
    ctx["series"], ctx["series_svg"] = (
        _series(request, view, p, ind, loaded) if mine else (None, "")
    )
    ctx["provinces"] = province_rows(facts, code, user, view) if user.sees_all else []
    if user.sees_all and view.show == "map":
        ctx["map_svg"] = map_svg(facts, code, user, view, _system(p, view))
    from chitieu.web.routes.dashboard_views import views_of

    ctx["saved"] = views_of(request, user)
    return page(request, "dashboard.html", **ctx)


#: the columns of the figures table, as on screen
COLUMNS = (
    "Indicator",
    "Unit of measure",
    "Value",
    "Kind",
    "Coverage",
    "Same period last year",
    "Change %",
    "% of plan",
)


@router.get("/dashboard/figures.csv")
def figures_csv(
    request: Request,
    user: User,
    period: str = "",
    unit: str = "",
    boundaries: str = "current",
    as_of: QueryMoment | None = None,
) -> Response:
    """The figures table as on screen (its headers and numbers in the page's language),
    UTF-8 with a byte-order mark, no text read as a formula."""
    view = make_view(request, user, period, unit, "", boundaries, "", "", "", as_of)
    facts, p, _loaded = _facts(request, view)
    lang = i18n.get_lang()
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([_(c) for c in COLUMNS])
    for f in facts.of_unit(view.unit):
        if f.value is None and not f.withheld:
            continue
        g = figure(f, catalog().get(f.indicator), lang)
        w.writerow(
            [
                csv_cell(x)
                for x in (
                    g.name,
                    g.measure,
                    g.value or g.withheld,
                    i18n.gettext(g.kind) if g.kind else "",
                    g.coverage or _("complete"),
                    g.previous,
                    g.change,
                    g.plan,
                )
            ]
        )
    name = f"chitieu_{p.id}_{view.unit.replace('@', '-')}.csv"
    return Response(
        "\ufeff" + buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
