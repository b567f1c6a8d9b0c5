"""Annex III of a national report: the publishing industry benchmarked against its peers.

The content (prose, tables, ranked chart as data) is part of the report's inputs
(``report/inputs.py``, from ``chitieu.benchmark.section``); this module only places it in the
document model. The benchmark year is the report's year for an annual report, else the last
full year. The figures the prose reads are in the report's fact file under ``benchmark``, so
that every number of the text can be traced.
"""

from __future__ import annotations

from chitieu.benchmark.section import TableContent
from chitieu.report.charts import ChartSpec, Panel, Series
from chitieu.report.context import ReportContext
from chitieu.report.model import Block, Chart, Heading, Paragraph, Section, Table
from chitieu.report.phrasing import render


def _table(t: TableContent, caption: str = "") -> Table:
    return Table(t.header, t.rows, [a == "right" for a in t.align], caption=caption)


def vn_sources(ctx: ReportContext) -> tuple[str, list[str]]:
    """Where Viet Nam's figures of the benchmark came from: ``store`` (the store, each figure
    with the source it was imported with), ``shipped`` (the press figures shipped with
    chitieu, because the store has none) or ``both``; and the publishers cited."""
    assert ctx.peers is not None
    result = ctx.peers.result
    rows = [r for comp in result.country(result.fw.store_country).values.values()
            for r in comp.inputs]  # fmt: skip
    origins = {"shipped" if r.origin == "shipped" else "store" for r in rows}
    where = "both" if len(origins) > 1 else next(iter(origins), "store")
    cited = dict.fromkeys(r.source_title.split(",")[0].strip() for r in rows if r.source_title)
    return where, list(cited)


def _sources_note(ctx: ReportContext, n: int) -> Paragraph:
    where, cited = vn_sources(ctx)
    text = render(ctx.phr["benchmark_sources"], n=n, vn=ctx.phr["benchmark_vn"][where],
                  cited="; ".join(cited))  # fmt: skip
    return Paragraph(text, style="note")


def benchmark_annex(ctx: ReportContext) -> Section | None:
    """The benchmark annex: the ministry's report, or a report that asked for it."""
    if ctx.peers is None:
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
        _sources_note(ctx, len(content.sources)),
    ]
    return Section("benchmark_publishing", blocks, annex=True)
