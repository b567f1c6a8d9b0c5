"""Charts drawn on the server as SVG: no charting library is sent to the browser.

The dashboard's charts are small (a like-for-like series of a handful of points, a ranking of
34 provinces, a tile map), so they are drawn here from the figures, as markup the page carries
inline: nothing to load, nothing to run, readable with scripts off, printable. What makes them
honest is decided here once:

- a value axis starts at zero (an amount is read from zero, not magnified);
- its ticks are round numbers written with Vietnamese number words ("1,5 triệu", not "1.5M"),
  from ``web/data/charts.yaml``; the figures in tooltips are CLDR-formatted by ``chitieu.fmt``;
- an estimate is an open dot, a figure that does not cover every unit carries its coverage
  ("33/34") above it, a withheld figure leaves a gap (never a zero);
- every point has a ``<title>`` (the browser's tooltip) naming period, figure, kind, coverage.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from html import escape
from importlib.resources import files
from typing import Any

from chitieu.catalog.datafiles import load_yaml
from chitieu.fmt import format_number

#: colours of lines (colour-blind safe, print friendly; the report's palette)
PALETTE = ("#1f4e79", "#c55a11", "#548235", "#7f6000", "#7030a0", "#2e75b6")
WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 92, 16, 26, 44
FONT = 15
#: axes reaching less than this write their numbers out
PLAIN_BELOW = 10_000.0


@cache
def words() -> dict[str, Any]:
    """The charts' words (``web/data/charts.yaml``)."""
    text = (files("chitieu.web") / "data" / "charts.yaml").read_text(encoding="utf-8")
    return dict(load_yaml(text))


def word(key: str, lang: str) -> str:
    """A mark's meaning or a rule's phrasing in ``lang``."""
    w = words()
    entry = w["marks"].get(key) if key in w["marks"] else w[key]
    return str(entry["en" if lang == "en" else "vi"])


@dataclass(frozen=True)
class Mark:
    """One point: its category, value (None: a gap), formatted figure and what it is."""

    category: str
    value: float | None
    text: str = ""
    estimate: bool = False
    coverage: str = ""  # "33/34" when the figure does not cover every unit
    note: str = ""  # the tooltip's last words (the withheld reason, the period's name)


@dataclass
class Line:
    """A named series of marks."""

    name: str
    marks: list[Mark] = field(default_factory=list)


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round ticks from zero to at least ``top`` (0, 500 000, 1 000 000…)."""
    if top <= 0 or not math.isfinite(top):
        return [0.0, 1.0]
    raw = top / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    n = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(n + 1)]


def scale_of(top: float, lang: str) -> tuple[float, str]:
    """The divisor and word the ticks of an axis reaching ``top`` are written in (numbers
    under ten thousand are written out: "2.500", not "2,5 nghìn")."""
    for divisor, name in words()["scale_words"]["en" if lang == "en" else "vi"]:
        if top >= max(float(divisor), PLAIN_BELOW):
            return float(divisor), str(name)
    return 1.0, ""


def tick_label(value: float, divisor: float, name: str, lang: str) -> str:
    """A tick in number words: "0", "0,5 triệu", "1 triệu", "2,25 tỷ"."""
    if value == 0:
        return "0"
    scaled = value / divisor
    decimals = next((d for d in range(4) if abs(scaled * 10**d - round(scaled * 10**d)) < 1e-6), 3)
    text = format_number(scaled, decimals, lang)
    return f"{text} {name}".strip()


def _attrs(**kw: Any) -> str:
    return " ".join(f'{k.rstrip("_").replace("_", "-")}="{escape(str(v))}"' for k, v in kw.items())


def _frame(title: str, body: list[str], height: int = HEIGHT) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="svgchart" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-label="{escape(title)}" font-size="{FONT}" '
        f'font-family="Noto Sans, DejaVu Sans, sans-serif"><title>{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def _value_axis(top: float, lang: str) -> tuple[list[float], list[str], float]:
    ticks = nice_ticks(top)
    divisor, name = scale_of(ticks[-1], lang)
    return ticks, [tick_label(t, divisor, name, lang) for t in ticks], ticks[-1]


def series_chart(title: str, lines: Sequence[Line], lang: str, kind: str = "line") -> str:
    """Lines (or grouped columns, ``kind="column"``) over shared categories, from zero."""
    cats = list(dict.fromkeys(m.category for ln in lines for m in ln.marks))
    known = [m.value for ln in lines for m in ln.marks if m.value is not None]
    ticks, labels, top = _value_axis(max([0.0, *known]), lang)
    low = min([0.0, *known])
    if low < 0:  # a negative value (a balance): the axis reaches it, zero stays drawn
        ticks = [-t for t in reversed(nice_ticks(-low)[1:])] + ticks
        labels = [
            ("−" + tick_label(-t, *scale_of(top, lang), lang)) for t in ticks if t < 0
        ] + labels
    bottom_v = ticks[0]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y(v: float) -> float:
        return TOP + plot_h * (1 - (v - bottom_v) / ((top - bottom_v) or 1))

    def x(i: int) -> float:
        return LEFT + plot_w * (i + 0.5) / max(len(cats), 1)

    body = [_grid(ticks, labels, y), _categories(cats, x)]
    for j, ln in enumerate(lines):
        colour = PALETTE[j % len(PALETTE)]
        pos = {m.category: (x(cats.index(m.category)), m) for m in ln.marks}
        if kind == "column":
            body.append(_columns(ln, pos, j, len(lines), y, plot_w / max(len(cats), 1), colour))
        else:
            body.append(_line(ln, pos, y, colour))
    return _frame(title, body)


def _grid(ticks: list[float], labels: list[str], y: Any) -> str:
    out = []
    for t, label in zip(ticks, labels, strict=True):
        yy = y(t)
        stroke = "#555" if t == 0 else "#e3e8ef"
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{yy:.1f}" y2="{yy:.1f}" '
            f'stroke="{stroke}"/>'
        )
        out.append(
            f'<text x="{LEFT - 8}" y="{yy + 5:.1f}" text-anchor="end" fill="#333">'
            f"{escape(label)}</text>"
        )
    return f'<g class="axis">{"".join(out)}</g>'


def _categories(cats: list[str], x: Any) -> str:
    room = max(4, int((WIDTH - LEFT - RIGHT) / max(len(cats), 1) / 8.5))
    out = [
        f'<text x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 22}" text-anchor="middle" fill="#333">'
        + (escape(c) if len(c) <= room else f"<title>{escape(c)}</title>{escape(c[: room - 1])}…")
        + "</text>"
        for i, c in enumerate(cats)
    ]
    return f'<g class="categories">{"".join(out)}</g>'


def _tooltip(m: Mark, name: str) -> str:
    parts = [f"{name} — {m.category}: {m.text or '—'}", m.coverage, m.note]
    return escape(" · ".join(p for p in parts if p))


def _line(ln: Line, pos: dict[str, tuple[float, Mark]], y: Any, colour: str) -> str:
    """The line (a gap where a figure is missing or withheld) and its dots."""
    runs: list[list[str]] = [[]]
    for xx, m in pos.values():
        if m.value is None:
            runs.append([])
        else:
            runs[-1].append(f"{xx:.1f},{y(m.value):.1f}")
    out = [
        f'<polyline points="{" ".join(r)}" fill="none" stroke="{colour}" stroke-width="2.5"/>'
        for r in runs
        if len(r) > 1
    ]
    for xx, m in pos.values():
        if m.value is None:
            out.append(
                f'<text x="{xx:.1f}" y="{y(0) - 6:.1f}" text-anchor="middle" fill="#777">'
                f"<title>{_tooltip(m, ln.name)}</title>—</text>"
            )
            continue
        fill = "#fff" if m.estimate else colour
        yy = y(m.value)
        cls = "mark estimate" if m.estimate else "mark"
        out.append(
            f'<circle class="{cls}" cx="{xx:.1f}" cy="{yy:.1f}" r="6" fill="{fill}" '
            f'stroke="{colour}" stroke-width="2.5" data-value="{m.value!r}">'
            f"<title>{_tooltip(m, ln.name)}</title></circle>"
        )
        if m.coverage:
            out.append(
                f'<text class="coverage" x="{xx:.1f}" y="{yy - 12:.1f}" '
                f'text-anchor="middle" font-size="12" fill="#7a4b00">{escape(m.coverage)}'
                "</text>"
            )
    return f'<g class="series" data-name="{escape(ln.name)}">{"".join(out)}</g>'


def _columns(
    ln: Line, pos: dict[str, tuple[float, Mark]], j: int, k: int, y: Any, slot: float, colour: str
) -> str:
    """Columns of series ``j`` of ``k``, side by side in each category's slot."""
    width = 0.7 * slot / k
    out = []
    for xx, m in pos.values():
        if m.value is None:
            continue
        left = xx - 0.35 * slot + j * width
        top, base = sorted((y(m.value), y(0)))
        fill = "#fff" if m.estimate else colour
        out.append(
            f'<rect class="mark{" estimate" if m.estimate else ""}" x="{left:.1f}" '
            f'y="{top:.1f}" width="{width - 2:.1f}" height="{base - top:.1f}" fill="{fill}" '
            f'stroke="{colour}" stroke-width="2" data-value="{m.value!r}">'
            f"<title>{_tooltip(m, ln.name)}</title></rect>"
        )
        if m.coverage:
            out.append(
                f'<text class="coverage" x="{left + width / 2:.1f}" y="{top - 5:.1f}" '
                f'text-anchor="middle" font-size="12" fill="#7a4b00">{escape(m.coverage)}'
                "</text>"
            )
    return f'<g class="series" data-name="{escape(ln.name)}">{"".join(out)}</g>'


def bar_width(value: float | None, top: float) -> float:
    """A ranking bar's length in % of the longest (values from zero; none for a gap)."""
    if value is None or top <= 0:
        return 0.0
    return max(0.0, min(100.0, 100.0 * value / top))


def swatch(colour: str, estimate: bool = False) -> str:
    """A legend's small mark (filled or open dot)."""
    fill = "#fff" if estimate else colour
    return (
        f'<svg class="swatch" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">'
        f'<circle cx="8" cy="8" r="5" fill="{fill}" stroke="{colour}" stroke-width="2.5"/>'
        "</svg>"
    )


__all__ = [
    "PALETTE",
    "Line",
    "Mark",
    "bar_width",
    "nice_ticks",
    "ranking_svg",
    "scale_of",
    "series_chart",
    "spec_svg",
    "swatch",
    "tick_label",
    "word",
    "words",
]


def ranking_svg(
    title: str, names: Sequence[str], values: Sequence[float | None], labels: Sequence[str]
) -> str:
    """Horizontal bars from zero, one per name (every name written), the figure after it."""
    row, name_w = 24, 230
    height = TOP + row * len(names) + 8
    top = max([0.0, *(v for v in values if v is not None)])
    body = []
    for i, (name, v, label) in enumerate(zip(names, values, labels, strict=True)):
        y = TOP + i * row
        w = (WIDTH - name_w - 110) * bar_width(v, top) / 100
        body.append(
            f'<text x="{name_w - 8}" y="{y + 16}" text-anchor="end" fill="#222">{escape(name)}'
            f'</text><rect x="{name_w}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" '
            f'fill="{PALETTE[0]}"><title>{escape(name)}: {escape(label)}</title></rect>'
            f'<text x="{name_w + w + 6:.1f}" y="{y + 16}" fill="#222">{escape(label)}</text>'
        )
    return _frame(title, body, height)


def spec_svg(spec: Any) -> str:
    """A report chart (``report.charts.ChartSpec``) as SVG, one per panel, each from zero."""
    out = []
    for panel in spec.panels:
        title = panel.title if len(spec.panels) > 1 else spec.title
        if spec.kind == "barh":
            s = panel.series[0]
            out.append(ranking_svg(title, panel.categories, s.values, s.labels))
            continue
        lines = [
            Line(
                s.name,
                [
                    Mark(c, v, t, bool(e))
                    for c, v, t, e in zip(
                        panel.categories,
                        s.values,
                        s.labels,
                        s.estimated or [False] * len(s.values),
                        strict=True,
                    )
                ],
            )
            for s in panel.series
        ]
        kind = "line" if spec.kind == "line" else "column"
        names = "".join(
            f"<li>{swatch(PALETTE[j % len(PALETTE)])} {escape(s.name)}</li>"
            for j, s in enumerate(panel.series)
        )
        legend = f'<ul class="legend">{names}</ul>' if len(panel.series) > 1 else ""
        out.append(series_chart(title, lines, spec.lang, kind) + legend)
    caption = f"<figcaption>{escape(spec.title)}</figcaption>"
    note = f'<p class="chart-note">{escape(spec.note)}</p>' if spec.note else ""
    head = f'<figure class="chart svg-chart" id="chart-{escape(spec.id)}">'
    return f"{head}{caption}{''.join(out)}{note}</figure>"
