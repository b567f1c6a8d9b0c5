"""What the dashboard's page, map, pivot and API share: the periods offered, the reading
options (``as_of``, ``boundaries``), like-for-like series as chart marks, and how a figure is
labelled (its kind and coverage beside it, or why it is withheld)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chitieu import clock
from chitieu.analyze.cache import VersionedCache, version_key
from chitieu.analyze.coverage import reason_text
from chitieu.analyze.facts import Fact, FactLoad, load
from chitieu.analyze.series import Point, like_for_like, points
from chitieu.catalog.periods import Period, PeriodType, month, parse_period, year_periods
from chitieu.catalog.units import NATION_ID
from chitieu.catalog.vocabulary import Boundaries
from chitieu.fmt import format_number, period_label
from chitieu.store.values import Store
from chitieu.web import i18n
from chitieu.web.accounts import Account
from chitieu.web.errors import Invalid
from chitieu.web.i18n import N_, _
from chitieu.web.scope import parse_any_period
from chitieu.web.svgcharts import Line, Mark, word

#: years a like-for-like series reaches back by default, and at most
YEARS, MAX_YEARS = 5, 12
#: years of a month's chart (one 12-month line per year)
MONTH_YEARS = 3
GROUPS = (
    (PeriodType.YEAR, N_("Years")),
    (PeriodType.HALF, N_("Half-years")),
    (PeriodType.QUARTER, N_("Quarters")),
    (PeriodType.YTD, N_("Year to date")),
    (PeriodType.MONTH, N_("Months")),
)

_PERIODS: VersionedCache[list[str]] = VersionedCache(8)


def _covered(stored: Iterable[Period]) -> set[Period]:
    """The stored periods and every period of their years that the stored periods within it
    cover month by month (S1 and S2 make the year; January to September make 9 months, Q3
    and the year to date; a half alone makes no "7 months", whose July has no figure)."""
    by_year: dict[int, list[Period]] = {}
    for p in stored:
        by_year.setdefault(p.year, []).append(p)
    found: set[Period] = set()
    for year, ps in by_year.items():
        for q in year_periods(year):
            months = {
                m for p in ps if q.contains(p) for m in range(p.first_month, p.last_month + 1)
            }
            if len(months) == q.n_months:
                found.add(q)
    return found


def data_periods(store: Store) -> list[str]:
    """Periods that hold figures — stored, or made of the stored periods within them — and
    that are over (a year not yet ended is no period to review), newest first; kept under the
    store's data version."""

    def make() -> list[str]:
        found = _covered(parse_period(pid) for pid in store.periods())
        today = clock.today()
        return [
            p.id
            for p in sorted(found, key=lambda q: (q.end, q.n_months), reverse=True)
            if p.end <= today
        ]

    return list(_PERIODS.get_or_make(version_key(store), make))


def default_period(store: Store) -> str:
    """The newest half-year over with values (else the newest period over, else last year)."""
    found = data_periods(store)
    halves = [x for x in found if "S" in x]
    return (halves or found or [str(clock.today().year - 1)])[0]


@dataclass(frozen=True)
class Choice:
    """One option of the period picker."""

    id: str
    name: str


def period_groups(store: Store, current: str) -> list[tuple[str, list[Choice]]]:
    """The picker's options grouped by type (years, halves, quarters, year to date, months),
    the period asked for always among them."""
    ids = data_periods(store)
    if current not in ids:
        ids = [current, *ids]
    lang = i18n.get_lang()
    out = []
    for kind, label in GROUPS:
        got = [
            Choice(p, period_label(parse_period(p), lang))
            for p in ids
            if parse_period(p).type == kind
        ]
        if got:
            out.append((_(label), got))
    return out


def boundaries_of(text: str) -> Boundaries:
    """The boundaries option, 400 if unknown."""
    try:
        return Boundaries(text)
    except ValueError:
        raise Invalid(
            _("Unknown boundaries %(b)s.") % {"b": text[:40]}, "current, as_reported"
        ) from None


def figure_text(value: float | None, decimals: int, lang: str) -> str:
    """A figure in the page's language ("" for none)."""
    return "" if value is None else format_number(value, decimals, lang)


def coverage_note(f: Fact | Point | None) -> str:
    """ "33/34" when a figure does not cover every unit it should ("" when it does)."""
    cov = getattr(f, "coverage", None)
    if cov is None or cov.own or cov.complete:
        return ""
    return cov.text()


def withheld_text(f: Fact, field: str = "value") -> str:
    """Why ``field`` of a fact is withheld, in the page's language ("" if it is not)."""
    reason = f.withheld.get(field)
    return reason_text(reason, i18n.get_lang()) if reason else ""


def default_unit(user: Account) -> str:
    """The nation for the ministry; a reporter's first unit of today's boundaries."""
    if user.sees_all:
        return NATION_ID
    return sorted(user.units, key=lambda u: (not u.endswith("@34"), u))[0]


def _mark(pt: Point, category: str, decimals: int, lang: str) -> Mark:
    kind = word("estimate", lang).split(" (")[0] if pt.kind == "estimate" else ""
    note = reason_text(pt.withheld, lang) if pt.withheld else kind
    return Mark(
        category,
        pt.value,
        figure_text(pt.value, decimals, lang),
        pt.kind == "estimate",
        coverage_note(pt),
        note,
    )


@dataclass
class SeriesView:
    """A chart's lines and the points behind them (for the table under the chart, the API)."""

    title: str
    lines: list[Line]
    points: dict[str, list[Point]]  # line name → points


def series_runs(p: Period, years: int = YEARS) -> dict[str, list[Period]]:
    """The lines of ``p``'s series: each line's name → its periods (oldest first)."""
    years = max(2, min(years, MAX_YEARS))
    if p.type == PeriodType.MONTH:
        return {
            str(y): [month(y, m) for m in range(1, 13) if (y, m) <= (p.year, p.last_month)]
            for y in range(p.year - MONTH_YEARS + 1, p.year + 1)
        }
    name = period_label(p, i18n.get_lang()).replace(str(p.year), "").strip(" /")
    return {name: like_for_like(p, years)}


def series_view(
    store: Store,
    p: Period,
    code: str,
    unit: str,
    boundaries: Boundaries,
    as_of: datetime | None,
    decimals: int,
    years: int = YEARS,
    loaded: FactLoad | None = None,
) -> SeriesView:
    """The like-for-like series of ``code`` for ``unit`` ending at ``p``: one line of the same
    sub-period across years (H1 2019 … H1 2023, the year to date, a quarter), or for a month
    one 12-month line per year (never halves one after the other). ``loaded``: facts already
    loaded for every period of :func:`series_runs` (one load for the whole page)."""
    lang = i18n.get_lang()
    runs = series_runs(p, years)
    if loaded is None:
        every = [q for run in runs.values() for q in run]
        loaded = load(store, every, boundaries, as_of, indicators=[code])
    lines, pts = [], {}
    for name, run in runs.items():
        got = points(loaded, run, [code], unit)[code]
        cat = (
            (lambda q: f"T{q.last_month}")
            if p.type == PeriodType.MONTH
            else (lambda q: str(q.year))
        )
        lines.append(
            Line(name, [_mark(pt, cat(q), decimals, lang) for q, pt in zip(run, got, strict=True)])
        )
        pts[name] = got
    return SeriesView(_series_title(p, lang), lines, pts)


def _series_title(p: Period, lang: str) -> str:
    if p.type == PeriodType.MONTH:
        return _("Each month, one line per year")
    return _("The same period of each year: %(p)s") % {
        "p": period_label(p, lang).replace(str(p.year), "").strip(" /") or _("the year")
    }


def points_json(view: SeriesView) -> list[dict[str, Any]]:
    """The series' points as the API gives them (period id, value, kind, coverage)."""
    return [dict(pt.to_dict(), line=name) for name, pts in view.points.items() for pt in pts]


def readable(user: Account, units: Iterable[str]) -> list[str]:
    """The units among ``units`` the account may read."""
    return [u for u in units if user.can_read(u)]


def parse_period_param(text: str) -> Period:
    """A period query parameter (404 with its message if it is none)."""
    return parse_any_period(text)
