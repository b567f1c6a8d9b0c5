"""What the conference board shows for a period, in one language: its state at a data version.

The board is the dashboard's figures on a big screen: the four headline figures of the report
(the phrasing's headline group, as ``report/build.py`` picks them) with change and % of plan and
their estimate marks, the provinces ranked and the dashboard's tile map of each (the same
functions as ``/dashboard`` and ``/dashboard/map``: ``figure``, ``province_rows``, ``map_svg``),
and completeness ("33/34 tỉnh đã báo cáo") from the facts' coverage. Everything comes from one
load of ``analyze.facts``; no figure is computed here.

A :class:`BoardState` is the board at one data version: its figures as data (for the event
stream's JSON) and its parts as HTML (the page shows them; the stream sends the parts that
changed, which the page puts in place). The hub (``web/events.py``) makes one state per period,
language and version in a process, whoever watches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from chitieu.analyze.facts import Fact, FactSet, load
from chitieu.catalog.indicators import catalog
from chitieu.catalog.periods import Period
from chitieu.catalog.units import NATION_ID
from chitieu.catalog.vocabulary import Boundaries, Role
from chitieu.store.values import Store
from chitieu.web import i18n
from chitieu.web.accounts import Account
from chitieu.web.routes.dashboard import View, figure, map_svg, province_rows

#: the tile map's system of today's boundaries (the board shows the current 34 provinces)
SYSTEM = "34"
#: who the board's figures are read as: every unit, nothing written (a signed-in presenter and
#: a viewer link see the same board)
READER = Account(0, "conference", "conference", Role.VIEWER)


class BoardView(View):
    """The dashboard's view of one indicator, its links kept on the board: a province's tile
    or bar points at its row of the ranking (the dashboard's drill-down needs an account)."""

    def link(self, **changes: str) -> str:
        """The ranking row of the province in ``changes`` (``unit``)."""
        return f"#r-{self.indicator}-{changes.get('unit', '')}"


def version_text(version: tuple[int, ...]) -> str:
    """The data version as the event stream's ``id:`` ("0.12.340.3.9.0.0.0.0")."""
    return ".".join(str(x) for x in version)


@cache
def headline_codes() -> tuple[str, ...]:
    """The report's headline indicators (the phrasing's headline group), in catalog order."""
    from chitieu.report.phrasing import phrasing

    group = phrasing("vi")["headline_group"]
    return tuple(i.code for i in catalog() if i.group == group)


@dataclass(frozen=True)
class BoardState:
    """The board of a period in one language at one data version."""

    version: str
    period: str
    lang: str
    #: "indicator@unit" → the figure as data (value, kind, change, % of plan, coverage)
    figures: dict[str, dict[str, Any]]
    #: the page's parts by element id → their HTML
    parts: dict[str, str]
    #: the whole state as one event of the stream (made once, sent to every client)
    full_event: bytes = field(default=b"", compare=False)

    def delta_event(self, before: BoardState | None) -> bytes:
        """The event that brings a client from ``before`` to this state: the figures and parts
        that changed (all of them if ``before`` is None)."""
        if before is None:
            return self.full_event
        figures = {k: v for k, v in self.figures.items() if before.figures.get(k) != v}
        parts = {k: v for k, v in self.parts.items() if before.parts.get(k) != v}
        return event(self, figures, parts, base=before.version)


def event(
    state: BoardState, figures: dict[str, Any], parts: dict[str, str], base: str = ""
) -> bytes:
    """One Server-Sent Event: ``id:`` the data version, ``data:`` JSON (one line)."""
    data = {"version": state.version, "period": state.period, "lang": state.lang,
            "base": base, "figures": figures, "parts": parts}  # fmt: skip
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"id: {state.version}\nevent: board\ndata: {text}\n\n".encode()


def _figure_data(f: Fact) -> dict[str, Any]:
    return {
        "indicator": f.indicator,
        "unit": f.unit,
        "value": f.value,
        "kind": f.kind,
        "change_pct": f.change_pct,
        "plan_pct": f.plan_pct,
        "coverage": f.coverage.text() if f.coverage and not f.coverage.own else None,
        "withheld": sorted(f.withheld),
    }


def completeness(facts: FactSet, code: str) -> tuple[int, int]:
    """(provinces that reported, provinces expected) behind the nation's figure of ``code``:
    its coverage, or — the ministry's own figure — the provinces with a figure of their own."""
    nation = facts.get(code, NATION_ID)
    cov = nation.coverage if nation is not None else None
    if cov is not None and not cov.own:
        return cov.reported, cov.expected
    provinces = [f for f in facts.of_indicator(code) if f.level == 1]
    return sum(1 for f in provinces if f.value is not None and f.kind != "estimate"), len(provinces)


def board_state(store: Store, p: Period, lang: str, version: str) -> BoardState:
    """The board of ``p`` in ``lang`` (the facts of one load, the parts rendered)."""
    i18n.set_lang(lang)
    facts = load(store, [p], Boundaries.CURRENT).facts(p)
    cat = catalog()
    nation = {c: f for c in headline_codes() if (f := facts.get(c, NATION_ID)) is not None}
    figures: dict[str, dict[str, Any]] = {}
    parts: dict[str, str] = {}
    for code in headline_codes():  # every one, so that the page has a place for each
        view = BoardView(p.id, NATION_ID, code, show="map")
        for f in facts.of_indicator(code):
            if f.unit == NATION_ID or f.level == 1:
                figures[f"{code}@{f.unit}"] = _figure_data(f)
        rows = province_rows(facts, code, READER, view)
        done, expected = completeness(facts, code)
        parts[f"rank-{code}"] = part("ranking", rows=rows, code=code)
        parts[f"map-{code}"] = map_svg(facts, code, READER, view, SYSTEM)
        parts[f"done-{code}"] = part("completeness", done=done, expected=expected)
    shown = [figure(f, cat.get(c), lang) for c, f in nation.items()]
    parts["headline"] = part("headline", figures=shown)
    state = BoardState(version, p.id, lang, figures, parts)
    return BoardState(version, p.id, lang, figures, parts, event(state, figures, parts))


def part(name: str, **ctx: Any) -> str:
    """A part of the board (a macro of ``templates/conference_parts.html``) as HTML."""
    from chitieu.web.render import templates

    module = templates.env.get_template("conference_parts.html").module
    return str(getattr(module, name)(**ctx))
