"""The built-in sections: III key tasks, IV recommendations, statistical and provincial annexes."""

from __future__ import annotations

from chitieu.catalog.periods import PeriodType
from chitieu.catalog.units import NATION_ID
from chitieu.report.context import ReportContext
from chitieu.report.facts import ReportFact
from chitieu.report.model import Block, Heading, Paragraph, Section, Table
from chitieu.report.phrasing import capitalise, render
from chitieu.report.sections import boundaries_note, completeness_line


def _mark(ctx: ReportContext, rf: ReportFact | None, text: str | None) -> str:
    """A figure with the estimate mark when it is estimated."""
    if text is None:
        return ""
    return text + (ctx.phr["estimate_mark"] if rf is not None and rf.estimated else "")


def key_tasks(ctx: ReportContext) -> Section:
    """III. Key tasks for the next period, with their status on the report date."""
    s, t = ctx.phr["sections"], ctx.phr["tasks"]
    nxt = ctx.next
    blocks: list[Block] = [Heading(render(s["tasks"], next=ctx.label(nxt)), 1)]
    tasks = ctx.tasks_of(nxt)
    if not tasks:
        blocks.append(Paragraph(render(t["none"], next=ctx.label(nxt)), style="note"))
        return Section("tasks", blocks)
    on = ctx.report_date
    blocks.append(
        Paragraph(
            render(
                t["intro"],
                issuer_short=capitalise(ctx.issuer().short),
                n=len(tasks),
                next=ctx.label(nxt),
                date=ctx.date_text(on),
            )
        )
    )
    rows = [
        [
            str(i),
            x.title,
            x.lead_unit,
            ctx.date_text(x.deadline),
            t["status"][x.status_on(on)],
            x.progress or "",
        ]
        for i, x in enumerate(tasks, start=1)
    ]
    cols = list(t["columns"])
    blocks.append(Table(cols, rows, [False] * len(cols)))
    return Section("tasks", blocks)


def recommendations(ctx: ReportContext) -> Section:
    """IV. Recommendations (for the analyst)."""
    s, a = ctx.phr["sections"], ctx.phr["assessment"]
    blocks: list[Block] = [Heading(s["recommendations"], 1)]
    key = "recommendations_more" if ctx.unit == NATION_ID else "recommendations_more_unit"
    blocks.append(ctx.placeholder(a[key]))
    return Section("recommendations", blocks)


def _headers(ctx: ReportContext, columns: list[str], **extra: object) -> list[str]:
    """Column headings: the period and the one it is compared with named ("H1 2022", "2022"),
    an annual report's comparison headed as the year before, not "the same period"."""
    p = ctx.period
    label, prev = ctx.label(), ctx.label(p.same_period_last_year())
    names = {
        "year": p.year,
        "period": label,
        "period_cap": capitalise(label),
        "prev": prev,
        "prev_cap": capitalise(prev),
        "annual": p.type == PeriodType.YEAR,
        **extra,
    }
    return [render(c, **names) for c in columns]


def _compared(ctx: ReportContext, rf: ReportFact) -> str:
    """The comparison column: the change in % or the period as % of the other (phrasing)."""
    return getattr(rf, ctx.phr["annex"]["compare"]) or ""


def annex_table(ctx: ReportContext) -> Section:
    """Annex I: every indicator — plan | same period last year | this period | % | % plan."""
    got = [ctx.table.get(ind.code) for ind in ctx.cat]
    facts = [rf for rf in got if rf is not None and rf.fact.value is not None]
    a = ctx.phr["annex"]
    kind = "estimate" if any(rf.estimated for rf in facts) else "actual"
    cols = _headers(ctx, a["columns"], kind=a["kind"][kind])
    rows = [
        [
            str(i),
            rf.name,
            rf.measure,
            rf.plan or "",
            rf.previous or "",
            _mark(ctx, rf, rf.value),
            _compared(ctx, rf),
            rf.plan_pct or "",
        ]
        for i, rf in enumerate(facts, start=1)
    ]
    title = render(ctx.phr["sections"]["annex"], period=ctx.label())
    blocks: list[Block] = [Heading(title, 1)]
    if not rows:
        blocks.append(Paragraph(render(ctx.phr["no_data"], period=ctx.label()), style="note"))
    else:
        notes = [ctx.phr["estimate_note"]] if any(rf.estimated for rf in facts) else []
        held = boundaries_note(ctx) if ctx.unit != NATION_ID else None
        notes += [held.text] if held else []
        numeric = [False, False, False, True, True, True, True, True]
        blocks.append(Table(cols, rows, numeric, notes=notes))
    return Section("annex", blocks, annex=True)


def province_table(ctx: ReportContext) -> Section | None:
    """Annex II: provinces ranked by the chosen indicator, with the national total."""
    code = ctx.phr["province_indicator"]
    if code not in ctx.cat:
        return None
    ind = ctx.cat.get(code)
    nation = ctx.table.get(code, NATION_ID)
    facts = ctx.table.provinces(code)
    if nation is None and not facts:
        return None
    title = render(
        ctx.phr["sections"]["annex_provinces"], name=ind.name(ctx.lang), period=ctx.label()
    )
    blocks: list[Block] = [Heading(title, 1)]
    pt = ctx.phr["province_table"]
    cols = _headers(ctx, pt["columns"], measure=ctx.cat.measure(ind, ctx.lang))
    rows = []
    for rf in facts:
        rows.append(
            [
                str(rf.fact.rank) if rf.rank_shown else "",
                ctx.unit_name(rf.unit, False),
                _mark(ctx, rf, rf.value),
                rf.previous or "",
                _compared(ctx, rf),
                rf.share or "",
                rf.plan_pct or "",
            ]
        )
    bold: list[int] = []
    if nation is not None and nation.value is not None:
        rows.append(
            [
                "",
                pt["total"],
                _mark(ctx, nation, nation.value),
                nation.previous or "",
                _compared(ctx, nation),
                "",
                nation.plan_pct or "",
            ]
        )
        bold.append(len(rows) - 1)
    notes = []
    if any(rf.estimated for rf in [*facts, *([nation] if nation else [])]):
        notes.append(ctx.phr["estimate_note"])
    line = completeness_line(ctx, code)
    if line:
        notes.append(line.text)
    held = boundaries_note(ctx, provinces=True)
    notes += [held.text] if held else []
    numeric = [True, False, True, True, True, True, True]
    blocks.append(Table(cols, rows, numeric, notes=notes, bold_rows=bold))
    return Section("provinces", blocks, annex=True)
