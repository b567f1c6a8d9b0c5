"""The conference slide deck as a model: slides of text and native charts, from the report's facts.

``deck(ctx)`` reads the same :class:`~chitieu.report.context.ReportContext` as the report (one
read of the facts, each figure formatted once in its fact table) and says what each slide
shows; ``report/render/pptx.py`` writes it with python-pptx. Nothing here computes a figure: the
charts' bar heights are the facts' own numbers and their labels the fact table's text ("1.614.206"),
so they read the same on any computer whatever its locale. A withheld figure is never shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

from chitieu.analyze.coverage import reason_text
from chitieu.catalog.datafiles import load_yaml
from chitieu.catalog.periods import PeriodType, parse_period
from chitieu.catalog.units import NATION_ID
from chitieu.report.context import ReportContext
from chitieu.report.facts import ReportFact
from chitieu.report.phrasing import render

#: provinces on the ranking slide (the rest are counted in a note)
RANKED = 15
#: key tasks on one slide
TASKS = 8


@dataclass(frozen=True)
class ChartSeries:
    """One series of a chart: the numbers drawn and their labels as written."""

    name: str
    values: list[float | None]
    labels: list[str]


@dataclass(frozen=True)
class SlideChart:
    """A native chart: bar (columns) or barh (horizontal bars), value axis from zero."""

    kind: str
    categories: list[str]
    series: list[ChartSeries]
    title: str = ""


@dataclass(frozen=True)
class Figure:
    """One headline figure: name, value as written, its measure and the lines under it."""

    name: str
    value: str
    measure: str
    notes: list[str]


@dataclass
class Slide:
    """One slide: a title, and text lines, figures or a chart."""

    kind: str  # title | figures | chart | tasks | closing
    title: str
    subtitle: str = ""
    lines: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    chart: SlideChart | None = None


@dataclass
class Deck:
    """The deck: its language, period and slides in order."""

    lang: str
    period: str
    unit: str
    slides: list[Slide]

    def texts(self) -> list[str]:
        """Every text of the deck (tests, and the stated-figures check)."""
        out: list[str] = []
        for s in self.slides:
            out += [s.title, s.subtitle, *s.lines]
            for f in s.figures:
                out += [f.name, f.value, f.measure, *f.notes]
            if s.chart:
                out += [lab for ser in s.chart.series for lab in ser.labels]
        return [t for t in out if t]


@cache
def _words_all() -> dict[str, Any]:
    text = (files("chitieu.report") / "data" / "slides.yaml").read_text(encoding="utf-8")
    return dict(load_yaml(text))


def words(lang: str) -> dict[str, Any]:
    """The deck's words in ``lang`` (vi, en)."""
    return dict(_words_all()["en" if lang == "en" else "vi"])


def _reference(ctx: ReportContext, w: dict[str, Any]) -> str:
    return str(w["reference"]["year" if ctx.period.type == PeriodType.YEAR else "other"])


def _marked(rf: ReportFact, text: str, w: dict[str, Any]) -> str:
    return f"{text} {w['estimate']}" if rf.estimated else text


def title_slide(ctx: ReportContext, w: dict[str, Any]) -> Slide:
    """The event, the period, the issuer and the date."""
    name = ctx.unit_name(ctx.unit, short=False)
    scope = "" if ctx.unit == NATION_ID else render(w["scope"], unit=name)
    org = ctx.issuer()
    return Slide(
        "title",
        render(w["title"], period=ctx.label(), scope=scope),
        subtitle=f"{w['event']}\n{org.heading} — {ctx.date_text(ctx.report_date)}",
    )


def _figure(ctx: ReportContext, rf: ReportFact, w: dict[str, Any]) -> Figure:
    notes: list[str] = []
    if rf.change is not None and rf.trend:
        ref = _reference(ctx, w)
        notes.append(render(w["change"], trend=rf.trend, change=rf.change, reference=ref))
    if rf.plan_pct is not None:
        notes.append(render(w["plan"], pct=rf.plan_pct))
    if rf.covered:
        notes.append(render(w["covered"], covered=rf.covered[0], expected=rf.covered[1]))
    for code in dict.fromkeys(rf.withheld.values()):
        notes.append(render(w["withheld"], reason=reason_text(code, ctx.lang)))
    value = "—" if rf.value is None else _marked(rf, rf.value, w)
    return Figure(rf.name, value, rf.measure, notes)


def figures_slide(ctx: ReportContext, w: dict[str, Any]) -> Slide | None:
    """The four headline figures with their change and % of plan."""
    facts = ctx.group_facts(ctx.phr["headline_group"])
    if not facts:
        return None
    title = render(w["headline"], period=ctx.label())
    return Slide("figures", title, figures=[_figure(ctx, rf, w) for rf in facts])


def _value_line(rf: ReportFact, w: dict[str, Any]) -> str:
    """ "Doanh thu: 1.614.206 tỷ đồng (ước)": the figure with its measure, as the report
    writes it, then the mark (a mark between number and measure splits what is read as one)."""
    if rf.value is None:
        return f"{rf.name}: — {rf.measure}"
    return f"{rf.name}: {_marked(rf, f'{rf.value} {rf.measure}', w)}"


def group_slide(ctx: ReportContext, group: str, w: dict[str, Any]) -> Slide | None:
    """A group's indicators: their values, and a chart of the period against the same period
    last year and against the annual plan (both in %, from zero)."""
    facts = ctx.group_facts(group)
    if not facts:
        return None
    shown = [rf for rf in facts if rf.same_period_pct is not None or rf.plan_pct is not None]
    chart = None
    if shown:
        same = ChartSeries(
            render(w["group_same"], reference=_reference(ctx, w)),
            [None if r.same_period_pct is None else _same(r) for r in shown],
            [_marked(r, r.same_period_pct, w) if r.same_period_pct else "" for r in shown],
        )
        plan = ChartSeries(
            w["group_plan"],
            [r.fact.plan_pct if r.plan_pct is not None else None for r in shown],
            [_marked(r, r.plan_pct, w) if r.plan_pct else "" for r in shown],
        )
        chart = SlideChart("bar", [r.name for r in shown], [same, plan])
    name = ctx.cat.groups[group](ctx.lang) if group in ctx.cat.groups else group
    lines = [_value_line(rf, w) for rf in facts]
    return Slide("chart", render(w["group"], name=name), lines=lines, chart=chart)


def _same(rf: ReportFact) -> float | None:
    """The period as % of the same period last year: the fact's own change, plus 100."""
    exact = rf.fact.change_pct_exact
    return None if exact is None else exact + 100


def series_slides(ctx: ReportContext, w: dict[str, Any]) -> list[Slide]:
    """Each headline figure over the same period of the years before (like for like)."""
    out = []
    for points in ctx.table.series.values():
        if len(points) < 2:
            continue
        rf = points[-1]
        cats = [ctx.short_label(parse_period(p.fact.period)) for p in points]
        s = ChartSeries(
            rf.name,
            [p.fact.value for p in points],
            [_marked(p, p.value or "", w) for p in points],
        )
        title = render(w["series"], name=rf.name, measure=rf.measure)
        out.append(Slide("chart", title, chart=SlideChart("bar", cats, [s])))
    return out


def provinces_slide(ctx: ReportContext, w: dict[str, Any]) -> Slide | None:
    """Provinces ranked by the report's province indicator (the first ``RANKED``)."""
    code = ctx.phr.get("province_indicator")
    facts = ctx.table.provinces(code) if code else []
    if not facts:
        return None
    top = facts[:RANKED]
    rf0 = top[0]
    s = ChartSeries(
        rf0.name,
        [rf.fact.value for rf in top],
        [_marked(rf, rf.value or "", w) for rf in top],
    )
    cats = [f"{rf.fact.rank or ''}. {ctx.unit_name(rf.unit)}" for rf in top]
    title = render(w["provinces"], name=rf0.name, measure=rf0.measure)
    note = render(w["provinces_more"], shown=len(top), total=len(facts))
    return Slide("chart", title, lines=[note], chart=SlideChart("barh", cats, [s]))


def tasks_slide(ctx: ReportContext, w: dict[str, Any]) -> Slide:
    """The key tasks of the next period."""
    tasks = ctx.tasks_of(ctx.next)[:TASKS]
    lines = [t.title for t in tasks] or [w["no_tasks"]]
    return Slide("tasks", render(w["tasks"], next=ctx.label(ctx.next)), lines=lines)


def closing_slide(ctx: ReportContext, w: dict[str, Any]) -> Slide:
    """Thanks, and the date of the figures."""
    note = render(w["closing_note"], date=ctx.date_text(ctx.report_date))
    return Slide("closing", w["closing"], subtitle=note)


def deck(ctx: ReportContext) -> Deck:
    """The deck of one review: title, headline figures, one slide per indicator group (the
    headline group first), the headline series, the province ranking, tasks, closing."""
    w = words(ctx.lang)
    slides: list[Slide | None] = [title_slide(ctx, w), figures_slide(ctx, w)]
    for group in [ctx.phr["headline_group"], *ctx.phr["sector_order"]]:
        slides.append(group_slide(ctx, group, w))
    slides += series_slides(ctx, w)
    if ctx.unit == NATION_ID:
        slides.append(provinces_slide(ctx, w))
    slides += [tasks_slide(ctx, w), closing_slide(ctx, w)]
    kept = [s for s in slides if s is not None]
    return Deck(ctx.lang, ctx.period.id, ctx.unit, kept)
