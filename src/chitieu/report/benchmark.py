"""Annex III of a national report: the publishing industry benchmarked against its peers.

The content (prose, tables, ranked chart as data) is part of the report's inputs
(``report/inputs.py``, from ``chitieu.benchmark.section``); this module only places it in the
document model. The benchmark year is the report's year for an annual report, else the last
full year. The figures the prose reads are in the report's fact file under ``benchmark``, so
that every number of the text can be traced.
"""

from __future__ import annotations

from chitieu.benchmark.section import TableContent
from chitieu.catalog.units import NATION_ID
from chitieu.report.charts import ChartSpec, Panel, Series
from chitieu.report.context import ReportContext
from chitieu.report.model import Block, Chart, Heading, Paragraph, Section, Table
from chitieu.report.phrasing import render


def _table(t: TableContent, caption: str = "") -> Table:
    return Table(t.header, t.rows, [a == "right" for a in t.align], caption=caption)


def benchmark_annex(ctx: ReportContext) -> Section | None:
    """The benchmark annex of a national report (None for a province's report)."""
    if ctx.peers is None or ctx.unit != NATION_ID:
        return None
    content = ctx.peers.content
    c = content.chart
    series = Series(
        c.x_label,
        list(c.values),
        [f"{v} ({a})" for v, a in zip(c.labels, c.annotations, strict=True)],
    )
    chart = ChartSpec(
        "benchmark-publishing", c.title, "barh", [Panel(c.title, c.categories, [series])], ctx.lang
    )
    blocks: list[Block] = [
        Heading(render(ctx.phr["sections"]["annex_benchmark"], title=content.title), 1),
        *(Paragraph(t) for t in content.paragraphs),
        Chart(chart),
        _table(content.table),
        _table(content.gap_table),
        Paragraph(render(ctx.phr["benchmark_sources"], n=len(content.sources)), style="note"),
    ]
    return Section("benchmark_publishing", blocks, annex=True)
