"""One chart definition (:class:`ChartSpec`), rendered two ways.

``to_plotly`` gives an interactive figure for HTML as plotly.js's figure JSON (plotly.js itself
comes from the plotly wheel, never a CDN); ``to_image`` draws the same definition with
matplotlib (Agg) as PNG for DOCX and PDF. Matplotlib needs no browser and draws the report's
charts in well under a second, where plotly's static export (kaleido) launches Chromium per
process (~2 s). Every label is a figure already formatted by the fact table (CLDR, rounded);
the renderers never format.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chitieu.fmt import format_number

#: colours of series (colour-blind safe, print friendly)
PALETTE = ("#1f4e79", "#c55a11", "#548235", "#7f6000", "#7030a0", "#2e75b6")
FONT = "DejaVu Sans"


@dataclass
class Series:
    """A named series; ``labels`` are the formatted values; ``estimated`` marks estimates."""

    name: str
    values: list[float | None]
    labels: list[str]
    estimated: list[bool] = field(default_factory=list)


@dataclass
class Panel:
    """One plot area: categories on one axis, one or more series."""

    title: str
    categories: list[str]
    series: list[Series]
    unit: str = ""


@dataclass
class ChartSpec:
    """A chart: ``kind`` bar (grouped columns), barh (ranked bars) or line (small multiples)."""

    id: str
    title: str
    kind: str
    panels: list[Panel]
    lang: str = "vi"
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        from dataclasses import asdict

        return asdict(self)


def _separators(lang: str) -> str:
    return ",." if lang == "vi" else ".,"


#: axes as plotly's "plotly_white" template draws them (white ground, light grid)
_AXIS = {"gridcolor": "#ebf0f8", "zerolinecolor": "#ebf0f8", "automargin": True}


def to_plotly(spec: ChartSpec) -> dict[str, Any]:
    """The spec as a plotly.js figure (``{"data", "layout"}``) for Plotly.newPlot.

    Written as plotly.js's figure JSON directly: small multiples are placed by plotly.js's own
    ``layout.grid`` and titled by annotations on each subplot's domain, so no plotly.py (whose
    figure objects cost ~0,5 s to load and validate) is needed to make a report.
    """
    n = len(spec.panels)
    cols = 2 if spec.kind == "line" and n > 1 else 1
    rows = (n + cols - 1) // cols
    data: list[dict[str, Any]] = []
    layout: dict[str, Any] = {}
    notes: list[dict[str, Any]] = []
    for i, panel in enumerate(spec.panels):
        suffix = "" if i == 0 else str(i + 1)
        axes = {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}
        x_axis, y_axis = dict(_AXIS), dict(_AXIS)
        for j, s in enumerate(panel.series):
            colour = PALETTE[j % len(PALETTE)]
            common = {"name": s.name, "text": s.labels, "showlegend": i == 0 and spec.kind == "bar"}
            if spec.kind == "line":
                symbols = ["circle-open" if e else "circle" for e in s.estimated] or None
                trace: dict[str, Any] = dict(
                    type="scatter",
                    x=panel.categories,
                    y=s.values,
                    mode="lines+markers",
                    line={"color": colour},
                    marker={"symbol": symbols, "size": 9},
                    hovertemplate="%{x}: %{text} " + panel.unit + "<extra></extra>",
                )
                y_axis["tickformat"] = ",.0f"
                y_axis["rangemode"] = "tozero"  # a level is read from zero, not magnified
            elif spec.kind == "barh":
                trace = dict(
                    type="bar",
                    orientation="h",
                    y=panel.categories,
                    x=s.values,
                    marker={"color": colour},
                    textposition="outside",
                    hovertemplate="%{y}: %{text} " + panel.unit + "<extra></extra>",
                )
                y_axis["autorange"] = "reversed"
                x_axis["tickformat"] = ",.0f"
                known = [v for v in s.values if v is not None] or [0.0]
                # room for the labels outside the longest bars, as ``margins`` gives matplotlib
                x_axis["range"] = [min(0.0, 1.15 * min(known)), max(0.0, 1.15 * max(known))]
            else:
                shapes = ["/" if e else "" for e in s.estimated] or None
                wrapped = ["<br>".join(textwrap.wrap(c, 22)) for c in panel.categories]
                trace = dict(
                    type="bar",
                    x=wrapped,
                    y=s.values,
                    textposition="outside",
                    marker={"color": colour, "pattern": {"shape": shapes}},
                    hovertemplate="%{x}: %{text}%<extra>" + s.name + "</extra>",
                )
            data.append({**trace, **common, **axes})
        layout[f"xaxis{suffix}"], layout[f"yaxis{suffix}"] = x_axis, y_axis
        if n > 1:
            notes.append(
                {
                    "text": "<br>".join(textwrap.wrap(panel.title, 40)),
                    "xref": f"x{suffix} domain",
                    "yref": f"y{suffix} domain",
                    "x": 0.5,
                    "y": 1.0,
                    "xanchor": "center",
                    "yanchor": "bottom",
                    "showarrow": False,
                    "font": {"size": 12},
                }
            )
    if n > 1:
        layout["grid"] = {
            "rows": rows,
            "columns": cols,
            "pattern": "independent",
            "xgap": 0.3,
            "ygap": 0.45,
        }
    height = 330 * rows if spec.kind == "line" else 440
    if spec.kind == "barh":
        height = max(400, 22 * len(spec.panels[0].categories) + 120)
    layout.update(
        title={"text": spec.title},
        annotations=notes,
        separators=_separators(spec.lang),
        font={"family": f"{FONT}, Liberation Sans, Arial, sans-serif", "size": 12},
        height=height,
        margin={"l": 70, "r": 30, "t": 90, "b": 50},
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
        paper_bgcolor="white",
        plot_bgcolor="white",
        barmode="group",
    )
    return {"data": data, "layout": layout}


def to_image(spec: ChartSpec, path: Path, dpi: int = 120) -> Path:
    """Draw the spec with matplotlib into ``path`` (PNG or SVG by suffix)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    n = len(spec.panels)
    cols = 2 if spec.kind == "line" and n > 1 else 1
    rows = (n + cols - 1) // cols
    if spec.kind == "barh":
        size = (6.3, max(3.5, 0.17 * len(spec.panels[0].categories) + 1.0))
    else:
        size = (6.3, 2.6 * rows + 0.6 if spec.kind == "line" else 3.6)
    fig = Figure(figsize=size)  # fixed margins: constrained layout doubles the drawing time
    fig.suptitle(spec.title, fontsize=10, fontweight="bold", fontfamily=[FONT])
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    fmt = FuncFormatter(lambda v, _pos: format_number(float(v), 0, spec.lang))
    for ax, panel in zip(axes, spec.panels, strict=False):
        ax.tick_params(labelsize=7)
        if n > 1:
            ax.set_title(panel.title, fontsize=8, fontfamily=[FONT])
        draw = {"line": _draw_line, "barh": _draw_barh}.get(spec.kind, _draw_bar)
        for j, s in enumerate(panel.series):
            draw(ax, panel, s, j, fmt)
        ax.spines[["top", "right"]].set_visible(False)
    for ax in axes[n:]:
        ax.set_visible(False)
    legend = spec.kind == "bar" and len(spec.panels[0].series) > 1
    if legend:
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncols=3, fontsize=7, frameon=False)
    _margins(fig, spec.kind, size[1], legend)
    fig.savefig(path, dpi=dpi)
    return path


def _values(s: Series) -> tuple[list[float], list[bool]]:
    """A series' values as drawn (a missing one at 0) and which of them are estimates."""
    vals = [0.0 if v is None else v for v in s.values]
    return vals, list(s.estimated or [False] * len(vals))


def _draw_line(ax: Any, panel: Panel, s: Series, j: int, fmt: Any) -> None:
    """Series ``j`` of a line chart: estimates as open dots."""
    colour = PALETTE[j % len(PALETTE)]
    _zeros, est = _values(s)
    vals = [float("nan") if v is None else v for v in s.values]  # a gap stays a gap
    ax.plot(panel.categories, vals, color=colour, marker="o", label=s.name)
    for x, v, e in zip(panel.categories, vals, est, strict=True):
        if e:
            ax.plot([x], [v], marker="o", mfc="white", color=colour)
    known = [v for v in s.values if v is not None] or [0.0]  # the value axis from zero
    ax.set_ylim(min(0.0, *known), max(0.0, *known) * 1.1 or 1.0)
    ax.yaxis.set_major_formatter(fmt)
    ax.tick_params(axis="x", labelrotation=30)


def _draw_barh(ax: Any, panel: Panel, s: Series, j: int, fmt: Any) -> None:
    """Series ``j`` of a horizontal bar chart (a ranking)."""
    colour = PALETTE[j % len(PALETTE)]
    vals, _est = _values(s)
    pos: list[float] = list(range(len(vals)))
    bars = ax.barh(pos, vals, color=colour, label=s.name)
    ax.set_yticks(pos, panel.categories, fontsize=6)
    ax.invert_yaxis()
    ax.bar_label(bars, s.labels, fontsize=5, padding=2)
    ax.xaxis.set_major_formatter(fmt)
    ax.margins(x=0.15)


def _draw_bar(ax: Any, panel: Panel, s: Series, j: int, fmt: Any) -> None:
    """Series ``j`` of a bar chart, beside the others: estimates hatched."""
    colour = PALETTE[j % len(PALETTE)]
    vals, est = _values(s)
    k = len(panel.series)
    width = 0.8 / k
    pos = [i + (j - (k - 1) / 2) * width for i in range(len(vals))]
    bars = ax.bar(
        pos,
        vals,
        width,
        color=colour,
        label=s.name,
        hatch=None,
        edgecolor="white",
    )
    for b, e in zip(bars, est, strict=True):
        if e:
            b.set_hatch("///")
    ax.bar_label(bars, s.labels, fontsize=6, padding=2)
    wrapped = [textwrap.fill(c, 22) for c in panel.categories]
    ax.set_xticks(range(len(vals)), wrapped, fontsize=7)
    ax.axhline(0, color="#444", linewidth=0.6)
    ax.margins(y=0.15)


def _margins(fig: Any, kind: str, height: float, legend: bool) -> None:
    """Fixed margins by kind of chart (constrained layout doubles the drawing time)."""
    top = 1 - 0.45 / height
    if kind == "barh":
        fig.subplots_adjust(left=0.22, right=0.97, top=top, bottom=0.6 / height)
    elif kind == "line":
        fig.subplots_adjust(
            left=0.12, right=0.94, top=top - 0.04, bottom=0.12, hspace=0.55, wspace=0.25
        )
    else:
        fig.subplots_adjust(left=0.08, right=0.98, top=top, bottom=0.25 if legend else 0.15)
