"""The built-in sections: I results, II assessment (body); the charts they show."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chitieu.catalog.indicators import Direction
from chitieu.catalog.organisations import in_text
from chitieu.catalog.units import MERGER_DATE, NATION_ID
from chitieu.catalog.vocabulary import Boundaries
from chitieu.report.charts import ChartSpec, Panel, Series
from chitieu.report.context import ReportContext
from chitieu.report.facts import ReportFact
from chitieu.report.model import Block, BulletList, Chart, Heading, Paragraph, Section
from chitieu.report.phrasing import lower_first, render
from chitieu.report.quality import quality_lines

if TYPE_CHECKING:
    from chitieu.catalog.periods import Period


def headline_chart(ctx: ReportContext) -> Chart | None:
    """Change on the same period and % of plan, per headline indicator."""
    facts = [rf for rf in ctx.group_facts(ctx.phr["headline_group"]) if rf.trend or rf.plan_pct]
    if not facts:
        return None
    ch = ctx.phr["charts"]
    est = [rf.estimated for rf in facts]
    series = [
        Series(
            ch["headline_change"],
            [rf.fact.change_pct for rf in facts],
            [rf.change_signed or "" for rf in facts],
            est,
        ),
        Series(
            ch["headline_plan"],
            [rf.fact.plan_pct for rf in facts],
            [rf.plan_pct or "" for rf in facts],
            est,
        ),
    ]
    panel = Panel(ch["headline"], [rf.name for rf in facts], series, "%")
    return Chart(ChartSpec("headline", ch["headline"], "bar", [panel], ctx.lang))


def provinces_chart(ctx: ReportContext, code: str) -> Chart | None:
    """Provinces ranked by one indicator."""
    facts = ctx.table.provinces(code)
    if not facts:
        return None
    rf0 = facts[0]
    title = render(ctx.phr["charts"]["provinces"], name=rf0.name, measure=rf0.measure)
    series = Series(
        rf0.name,
        [rf.fact.value for rf in facts],
        [rf.value or "" for rf in facts],
        [rf.estimated for rf in facts],
    )
    panel = Panel(title, [ctx.unit_name(rf.unit) for rf in facts], [series], rf0.measure)
    return Chart(ChartSpec(f"provinces-{code}", title, "barh", [panel], ctx.lang))


def series_chart(ctx: ReportContext) -> Chart | None:
    """The headline figures over the last periods of the same kind."""
    panels = []
    for rf in ctx.group_facts(ctx.phr["headline_group"]):
        points = ctx.table.series.get(rf.indicator, [])
        if len(points) < 2:
            continue
        cats = [ctx.short_label(_period(p.fact.period)) for p in points]
        s = Series(
            rf.name,
            [p.fact.value for p in points],
            [p.value or "" for p in points],
            [p.estimated for p in points],
        )
        panels.append(Panel(f"{rf.name} ({rf.measure})", cats, [s], rf.measure))
    if not panels:
        return None
    title = ctx.phr["charts"]["series"]
    return Chart(ChartSpec("series", title, "line", panels, ctx.lang))


def _period(pid: str) -> Period:
    from chitieu.catalog.periods import parse_period

    return parse_period(pid)


def completeness_line(ctx: ReportContext, code: str) -> Paragraph | None:
    """How many provinces reported ``code``, estimated it, or are missing."""
    c = ctx.table.completeness.get(code)
    if c is None:
        return None
    name = ctx.cat.get(code).name(ctx.lang)
    lower = name[:1].lower() + name[1:]
    if c.reported == 0:
        text = render(
            ctx.phr["completeness_national"], name=name, name_lower=lower, expected=c.expected
        )
        return Paragraph(text, style="note")
    missing = ""
    if 0 < len(c.missing) <= 5:
        missing = " (" + ", ".join(ctx.unit_name(u) for u in c.missing) + ")"
    text = render(
        ctx.phr["completeness"],
        name=name,
        name_lower=lower,
        reported=c.reported,
        expected=c.expected,
        estimated=c.estimated,
        missing=len(c.missing),
        missing_list=missing,
        partial_list=_partial(ctx, c.partial),
    )
    return Paragraph(text, style="note")


def _partial(ctx: ReportContext, units: list[str]) -> str:
    """ "; 1 đơn vị số liệu chưa đầy đủ (An Giang)" ("" if none)."""
    frame = ctx.phr.get("completeness_partial")
    if not units or not frame:
        return ""
    return render(frame, n=len(units), names=", ".join(ctx.unit_name(u) for u in units[:5]))


def revision_lines(ctx: ReportContext, facts: list[ReportFact]) -> list[Block]:
    """A note for each figure revised since its previous release ("… được điều chỉnh từ X
    xuống Y tỷ đồng (−Z; −W%) so với số liệu đã công bố trước đó")."""
    frame = ctx.phr.get("revision_line")
    notes = ctx.inputs.revisions
    if not frame or not notes:
        return []
    return [
        Paragraph(render(frame, name=rf.name, period=ctx.label(), note=notes[rf.indicator]),
                  style="note")
        for rf in facts
        if rf.indicator in notes
    ]  # fmt: skip


def _rank_line(ctx: ReportContext, code: str) -> Paragraph | None:
    """A province's rank among the provinces it is comparable with, and its share."""
    rf = ctx.table.get(code)
    if rf is None or not rf.rank_shown:
        return None
    key = "unit_rank_share" if rf.share else "unit_rank"
    text = render(
        ctx.phr[key],
        unit=ctx.unit_text(start=True),
        rank=rf.fact.rank,
        rank_of=rf.fact.rank_of,
        name=lower_first(rf.name) if ctx.lang == "vi" else rf.name,
        share=rf.share,
    )
    return Paragraph(text)


def _leaders(ctx: ReportContext, facts: list[ReportFact]) -> Paragraph | None:
    """The three provinces that lead the nation (the ministry's report)."""
    if len(facts) < 3:
        return None
    a, b, c = facts[:3]
    return Paragraph(
        render(
            ctx.phr["rank_sentence"],
            name=lower_first(a.name),
            measure=a.measure,
            first=ctx.unit_text(a.unit),
            first_value=a.value,
            first_share=a.share,
            second=ctx.unit_text(b.unit),
            second_value=b.value,
            third=ctx.unit_text(c.unit),
            third_value=c.value,
        )
    )


def boundaries_note(ctx: ReportContext, provinces: bool = False) -> Paragraph | None:
    """Figures before 1 July 2025 stated on today's merged boundaries say so: the report's
    province (of a province's report), or every province (``provinces``; the ministry's)."""
    if ctx.inputs.boundaries != str(Boundaries.CURRENT):
        return None
    shown = ctx.stated_periods()
    if provinces or ctx.unit == NATION_ID:  # the provinces' figures: the period and its base
        shown = [ctx.period, ctx.period.same_period_last_year()]
    years = sorted({q.year for q in shown if q.end < MERGER_DATE})
    if not years:
        return None
    which = {1: "one", 2: "two"}.get(len(years), "range")
    span = render(ctx.phr["years"][which], first=years[0], last=years[-1])
    if provinces or ctx.unit == NATION_ID:
        return Paragraph(render(ctx.phr["boundaries_note_nation"], years=span), style="note")
    olds = ctx.units.predecessors(ctx.unit)
    if len(olds) < 2:
        return None
    names = [in_text(u, ctx.lang) for u in olds]
    short = [ctx.unit_name(u.id) for u in olds]
    text = render(
        ctx.phr["boundaries_note"],
        years=span,
        unit=ctx.unit_text(),
        olds=render(ctx.phr["and_list"], items=names[:-1], last=names[-1]),
        olds_short=render(ctx.phr["and_list"], items=short[:-1], last=short[-1]),
    )
    return Paragraph(text, style="note")


def _province_blocks(ctx: ReportContext) -> list[Block]:
    code = ctx.phr["province_indicator"]
    facts = ctx.table.provinces(code)
    blocks: list[Block] = []
    line = _rank_line(ctx, code) if ctx.unit != NATION_ID else _leaders(ctx, facts)
    if line:
        blocks.append(line)
    chart = provinces_chart(ctx, code)
    if chart:
        blocks.append(chart)
    notes = [completeness_line(ctx, code), boundaries_note(ctx, provinces=True)]
    blocks.extend(n for n in notes if n is not None)
    return blocks


def _tasks_review(ctx: ReportContext) -> list[Block]:
    """Done / slipped among the tasks set for this period (read in the next review)."""
    tasks = ctx.tasks_of(ctx.period)
    if not tasks:
        return []
    t = ctx.phr["tasks"]
    on = ctx.report_date
    done = [x for x in tasks if x.status_on(on) == "done"]
    slipped = [x for x in tasks if x.slipped(on)]
    blocks: list[Block] = [
        Paragraph(
            render(
                t["review"],
                n=len(tasks),
                period=ctx.label(),
                date=ctx.date_text(on),
                done=len(done),
                open=len(tasks) - len(done),
            )
        )
    ]
    if done:
        blocks.append(Paragraph(render(t["done_list"], list="; ".join(x.title for x in done))))
    if slipped:
        items = []
        for x in slipped:
            label = t["done_late"] if x.status_on(on) == "done" else t["status"]["overdue"]
            items.append(f"{x.title} ({label}, {ctx.date_text(x.deadline)})")
        blocks.append(Paragraph(render(t["slipped_list"], list="; ".join(items))))
    return blocks


def illustrative_note(ctx: ReportContext) -> Paragraph | None:
    """Which figures are illustrative, not official (the store marks them so, e.g. the
    demo's synthetic split by province and its sub-sector revenues)."""
    marked = ctx.inputs.illustrative
    if not marked:
        return None
    ph = ctx.phr["illustrative"]
    parts = []
    for level in ("nation", "provinces"):
        codes = [i.code for i in ctx.cat if i.code in marked.get(level, ())]
        if not codes:
            continue
        names = ", ".join(lower_first(ctx.cat.get(c).name(ctx.lang)) for c in codes)
        key = level if level == "nation" or ctx.unit == NATION_ID else "unit"
        parts.append(render(ph[key], names=names, unit=ctx.unit_text()))
    if not parts:
        return None
    return Paragraph(render(ph["note"], parts="; ".join(parts)), style="note")


def _sector_blocks(ctx: ReportContext, unit_name: str | None) -> list[Block]:
    """a) b) … one paragraph per sector; a province's report leaves out sectors it has no
    figures of (one note when it has none)."""
    n = ctx.narrator
    marks = ctx.phr["sector_marks"]
    blocks: list[Block] = []
    groups = ctx.phr["sector_order"]
    if ctx.unit != NATION_ID:
        groups = [g for g in groups if ctx.group_facts(g)]
        if not groups:
            text = render(ctx.phr["no_sector_data"], unit=ctx.unit_text(), period=ctx.label())
            return [Paragraph(text, style="note")]
    for i, group in enumerate(groups):
        blocks.append(Heading(f"{marks[i % len(marks)]} {ctx.cat.groups[group](ctx.lang)}", 3))
        facts = ctx.group_facts(group)
        text = (
            n.paragraph(facts, unit_name)
            if facts
            else render(ctx.phr["no_data"], period=ctx.label())
        )
        blocks.append(Paragraph(text, style="body" if facts else "note"))
    return blocks


def results(ctx: ReportContext) -> Section:
    """I. Results of the period: headline figures, sectors, provinces, tasks done."""
    s = ctx.phr["sections"]
    n = ctx.narrator
    unit_name = ctx.unit_text() if ctx.unit != NATION_ID else None
    blocks: list[Block] = [Heading(render(s["results"], period=ctx.label()), 1)]
    marked = illustrative_note(ctx)
    if marked:
        blocks.append(marked)
    blocks.append(Heading(s["headline"], 2))
    headline = ctx.group_facts(ctx.phr["headline_group"])
    if headline:
        blocks.append(Paragraph(n.paragraph(headline, unit_name), style="lead"))
    else:
        blocks.append(Paragraph(render(ctx.phr["no_data"], period=ctx.label()), style="note"))
    note = boundaries_note(ctx) if ctx.unit != NATION_ID else None
    if note:
        blocks.append(note)
    for chart in (headline_chart(ctx), series_chart(ctx)):
        if chart:
            blocks.append(chart)
    blocks.extend(revision_lines(ctx, headline))
    blocks.extend(quality_lines(ctx))
    blocks.append(Heading(s["sectors"], 2))
    blocks.extend(_sector_blocks(ctx, unit_name))
    if ctx.unit == NATION_ID or ctx.table.provinces(ctx.phr["province_indicator"]):
        blocks.append(Heading(s["provinces"], 2))
        blocks.extend(_province_blocks(ctx))
    review = _tasks_review(ctx)
    if review:
        blocks.append(Heading(render(s["tasks_review"], period=ctx.label()), 2))
        blocks.extend(review)
    return Section("results", blocks)


def _judged(ctx: ReportContext) -> list[ReportFact]:
    groups = [ctx.phr["headline_group"], *ctx.phr["sector_order"]]
    return [rf for g in groups for rf in ctx.group_facts(g)]


def assessment(ctx: ReportContext) -> Section:
    """II. Assessment: strengths and shortcomings the figures show; causes left to the analyst."""
    s, a = ctx.phr["sections"], ctx.phr["assessment"]
    ref = ctx.narrator.reference(first=True)
    good: list[str] = []
    bad: list[str] = []
    for rf in _judged(ctx):
        direction = ctx.cat.get(rf.indicator).direction
        if direction == Direction.NEUTRAL:
            continue
        better = "up" if direction == Direction.HIGHER_BETTER else "down"
        if rf.trend in ("up", "down"):
            line = render(a[rf.trend], name=rf.name, pct=rf.change, ref=ref)
            (good if rf.trend == better else bad).append(line)
        if rf.plan_status == "above":
            good.append(render(a["above_plan"], name=rf.name, pct=rf.plan_pct))
        if rf.behind_pace:
            bad.append(
                render(
                    a["behind_pace"],
                    name=rf.name,
                    pct=rf.plan_pct,
                    pace=rf.pace,
                    period=ctx.label(),
                )
            )
    slipped = [t for t in ctx.tasks_of(ctx.period) if t.slipped(ctx.report_date)]
    if slipped:
        bad.append(
            render(a["tasks_slipped"], n=len(slipped), list="; ".join(t.title for t in slipped))
        )
    c = ctx.table.completeness.get(ctx.phr["province_indicator"])
    if c is not None and c.reported and c.missing:
        name = ctx.cat.get(c.indicator).name(ctx.lang)
        bad.append(render(a["missing"], n=len(c.missing), name=name))
    blocks: list[Block] = [Heading(s["assessment"], 1), Heading(s["strengths"], 2)]
    blocks += [BulletList(good)] if good else [Paragraph(a["none"], style="note")]
    blocks.append(ctx.placeholder(a["strengths_more"]))
    blocks.append(Heading(s["shortcomings"], 2))
    blocks += [BulletList(bad)] if bad else [Paragraph(a["none"], style="note")]
    blocks.append(ctx.placeholder(a["shortcomings_more"]))
    blocks += [Heading(s["causes"], 2), ctx.placeholder(a["causes_more"])]
    return Section("assessment", blocks)
