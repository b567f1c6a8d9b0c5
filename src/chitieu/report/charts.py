"""One chart definition (:class:`ChartSpec`), rendered two ways.

``to_plotly`` gives an interactive figure for HTML (plotly.js vendored from the plotly wheel,
never a CDN); ``to_image`` draws the same definition with matplotlib (Agg) as PNG for DOCX and
PDF. Matplotlib needs no browser and draws the three report charts in well under a second,
where plotly's static export (kaleido) launches Chromium per process (~2 s). Every label is
a figure already formatted by the fact table (CLDR, rounded); the renderers never format.
"""

from __future__ import annotations

import json
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


def to_plotly(spec: ChartSpec) -> dict[str, Any]:
    """The spec as a plotly figure (``{"data", "layout"}``) for Plotly.newPlot."""
    from plotly.subplots import make_subplots

    n = len(spec.panels)
    cols = 2 if spec.kind == "line" and n > 1 else 1
    rows = (n + cols - 1) // cols
    titles = ["<br>".join(textwrap.wrap(p.title, 40)) for p in spec.panels] if n > 1 else None
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, vertical_spacing=0.18)
    for i, panel in enumerate(spec.panels):
        r, c = i // cols + 1, i % cols + 1
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
            fig.add_trace({**trace, **common}, row=r, col=c)
    height = 330 * rows if spec.kind == "line" else 440
    if spec.kind == "barh":
        height = max(400, 22 * len(spec.panels[0].categories) + 120)
        fig.update_yaxes(autorange="reversed")
        fig.update_xaxes(tickformat=",.0f")
    elif spec.kind == "line":
        fig.update_yaxes(tickformat=",.0f")
        fig.update_annotations(font_size=12)
    fig.update_layout(
        title={"text": spec.title},
        separators=_separators(spec.lang),
        font={"family": f"{FONT}, Liberation Sans, Arial, sans-serif", "size": 12},
        height=height,
        margin={"l": 70, "r": 30, "t": 90, "b": 50},
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
        template="plotly_white",
        barmode="group",
    )
    return json.loads(fig.to_json())


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
        k = len(panel.series)
        for j, s in enumerate(panel.series):
            colour = PALETTE[j % len(PALETTE)]
            vals = [0.0 if v is None else v for v in s.values]
            est = s.estimated or [False] * len(vals)
            if spec.kind == "line":
                ax.plot(panel.categories, vals, color=colour, marker="o", label=s.name)
                for x, v, e in zip(panel.categories, vals, est, strict=True):
                    if e:
                        ax.plot([x], [v], marker="o", mfc="white", color=colour)
                ax.yaxis.set_major_formatter(fmt)
                ax.tick_params(axis="x", labelrotation=30)
            elif spec.kind == "barh":
                pos = list(range(len(vals)))
                bars = ax.barh(pos, vals, color=colour, label=s.name)
                ax.set_yticks(pos, panel.categories, fontsize=6)
                ax.invert_yaxis()
                ax.bar_label(bars, s.labels, fontsize=5, padding=2)
                ax.xaxis.set_major_formatter(fmt)
                ax.margins(x=0.15)
            else:
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
        ax.spines[["top", "right"]].set_visible(False)
    for ax in axes[n:]:
        ax.set_visible(False)
    legend = spec.kind == "bar" and len(spec.panels[0].series) > 1
    if legend:
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncols=3, fontsize=7, frameon=False)
    top = 1 - 0.45 / size[1]
    if spec.kind == "barh":
        fig.subplots_adjust(left=0.22, right=0.97, top=top, bottom=0.6 / size[1])
    elif spec.kind == "line":
        fig.subplots_adjust(
            left=0.12, right=0.94, top=top - 0.04, bottom=0.12, hspace=0.55, wspace=0.25
        )
    else:
        fig.subplots_adjust(left=0.08, right=0.98, top=top, bottom=0.25 if legend else 0.15)
    fig.savefig(path, dpi=dpi)
    return path
