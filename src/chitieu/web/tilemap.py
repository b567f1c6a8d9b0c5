"""A tile-grid map of the provinces, drawn as SVG from data shipped in the package.

One square per province (``web/data/tilegrid.json``: 34 provinces from 1 July 2025, 63 before;
made by ``scripts/make_tilegrid.py`` from the province centroids of the ``vietnamadminunits``
dataset, its source written in the file). No map tiles, no internet. Each square is a link (the
drill-down), reachable by keyboard, carrying ``data-unit`` (the unit's id) and ``data-value``;
its colour is the class of its value, change or % of plan, explained by a legend drawn in the
same SVG; a province without a figure is grey and says so.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from html import escape
from importlib.resources import files
from typing import Any

from chitieu.fmt import format_pct

TILE, GAP = 46, 4
STEP = TILE + GAP
SEQUENTIAL = ("#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
DIVERGING = ("#b2182b", "#ef8a62", "#d1e5f0", "#92c5de", "#4393c3", "#2166ac")
#: class breaks of a change (%) and of % of plan
CHANGE_BREAKS = (-10.0, 0.0, 5.0, 10.0, 20.0)
PLAN_BREAKS = (50.0, 75.0, 90.0, 100.0)
NONE = "#eeeeee"


@cache
def grid() -> dict[str, Any]:
    """The tile positions (``web/data/tilegrid.json``)."""
    text = (files("chitieu.web") / "data" / "tilegrid.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


@dataclass(frozen=True)
class Tile:
    """One province's square: its figure, as text, and where a click goes."""

    unit: str  # "01@34"
    name: str
    value: float | None
    text: str  # the figure as shown ("1.234 tỷ đồng · 33/34"), or why there is none
    href: str


@dataclass(frozen=True)
class Legend:
    """The classes: colours and their labels."""

    colours: tuple[str, ...]
    labels: tuple[str, ...]
    breaks: tuple[float, ...]

    def colour(self, value: float | None) -> str:
        """The colour of ``value``'s class (grey: no figure)."""
        if value is None:
            return NONE
        return self.colours[sum(1 for b in self.breaks if value >= b)]


def _quantiles(values: Sequence[float], k: int) -> tuple[float, ...]:
    ordered = sorted(values)
    if not ordered:
        return ()
    cuts = [ordered[min(len(ordered) - 1, (len(ordered) * i) // k)] for i in range(1, k)]
    return tuple(dict.fromkeys(cuts))


def legend(measure: str, values: Sequence[float], lang: str, fmt: Any) -> Legend:
    """The legend of ``measure`` (value: quintiles of the figures; change, plan: fixed breaks
    around 0 % and 100 %); ``fmt`` writes a value."""
    breaks: tuple[float, ...]
    colours: tuple[str, ...]
    if measure == "change":
        breaks, colours = CHANGE_BREAKS, DIVERGING
        show = [format_pct(b, 0, lang, sign=b != 0) + " %" for b in breaks]
    elif measure == "plan":
        breaks, colours = PLAN_BREAKS, SEQUENTIAL
        show = [format_pct(b, 0, lang) + " %" for b in breaks]
    else:
        breaks = _quantiles(values, len(SEQUENTIAL))
        colours = SEQUENTIAL[-(len(breaks) + 1) :] if breaks else SEQUENTIAL[-1:]
        show = [fmt(b) for b in breaks]
    labels = [f"< {show[0]}"] if show else ["—"]
    labels += [f"{a} – {b}" for a, b in itertools.pairwise(show)]
    labels += [f"≥ {show[-1]}"] if show else []
    return Legend(tuple(colours), tuple(labels), tuple(breaks))


def _ink(colour: str) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#fff" if 0.299 * r + 0.587 * g + 0.114 * b < 140 else "#111"


def tile_map(
    system: str, tiles: Sequence[Tile], title: str, key: Legend, no_figure: str, selected: str = ""
) -> str:
    """The map as an SVG document fragment (inline in a page, or served alone)."""
    g = grid()["systems"][system]
    width, height = g["columns"] * STEP, g["rows"] * STEP
    body = [
        _tile(g["tiles"][t.unit.split("@")[0]], t, key, t.unit == selected)
        for t in tiles
        if t.unit.split("@")[0] in g["tiles"]
    ]
    body.append(_legend(g["legend"], key, no_figure))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="tilemap" viewBox="0 0 {width} {height}" '
        f'role="group" aria-label="{escape(title)}" data-system="{system}" '
        f'font-family="Noto Sans, DejaVu Sans, sans-serif"><title>{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def _tile(pos: dict[str, Any], t: Tile, key: Legend, current: bool) -> str:
    x, y = pos["x"] * STEP, pos["y"] * STEP
    fill = key.colour(t.value)
    label = f"{pos['abbr']} — {t.name}: {t.text}"  # the name read holds the text shown
    value = "" if t.value is None else repr(t.value)
    stroke = ' stroke="#000" stroke-width="4"' if current else ""
    dash = ' stroke="#888" stroke-dasharray="4 3"' if t.value is None else ""
    extra = ' aria-current="true" class="tile current"' if current else ' class="tile"'
    return (
        f'<a href="{escape(t.href)}" data-unit="{t.unit}" data-value="{value}"{extra} '
        f'aria-label="{escape(label)}">'
        f'<rect x="{x + 2}" y="{y + 2}" width="{TILE}" height="{TILE}" rx="4" fill="{fill}"'
        f"{stroke or dash}/>"
        f'<text aria-hidden="true" x="{x + 2 + TILE / 2}" y="{y + 2 + TILE / 2 + 5}" '
        f'text-anchor="middle" '
        f'font-size="14" font-weight="600" fill="{_ink(fill)}">{escape(pos["abbr"])}</text></a>'
    )


def _legend(at: list[int], key: Legend, no_figure: str) -> str:
    x0, y0 = at[0] * STEP + 4, at[1] * STEP + 4
    rows = [*zip(key.colours, key.labels, strict=False), (NONE, no_figure)]
    out = []
    for i, (colour, label) in enumerate(rows):
        y = y0 + i * 26
        out.append(
            f'<rect x="{x0}" y="{y}" width="20" height="20" rx="3" fill="{colour}" '
            f'stroke="#888"/><text x="{x0 + 28}" y="{y + 15}" font-size="14" '
            f'fill="#222">{escape(label)}</text>'
        )
    return f'<g class="legend">{"".join(out)}</g>'
