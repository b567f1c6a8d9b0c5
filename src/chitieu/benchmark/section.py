"""The benchmark section of the review report, as format-neutral content.

Title, paragraphs, tables (header + rows of formatted cells) and a ranked bar chart given as
data; the report's renderers (DOCX, HTML, PDF) draw them. Nothing here depends on a format.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from chitieu.fmt import format_number

from .prose import (
    gap_contexts,
    gap_facts,
    gap_sentences,
    phrasing,
    render,
    summary_contexts,
    summary_sentences,
)
from .run import BenchmarkResult

SECTION_KEY = "benchmark_publishing"


@dataclass
class TableContent:
    """A table: header cells, rows of text cells, alignment per column (left/right)."""

    header: list[str]
    rows: list[list[str]]
    align: list[str]


@dataclass
class BarChartSpec:
    """A horizontal bar chart, best first; one bar highlighted."""

    title: str
    x_label: str
    categories: list[str]
    values: list[float]
    labels: list[str]  # formatted values
    annotations: list[str]  # e.g. the 5–95% rank interval
    highlight: list[bool]
    x_max: float | None = None
    kind: str = "barh"


@dataclass
class SectionContent:
    """Everything the benchmark section shows, in one language."""

    key: str
    lang: str
    title: str
    paragraphs: list[str]
    table: TableContent
    gap_table: TableContent
    chart: BarChartSpec
    sources: list[dict[str, str]] = field(default_factory=list)
    #: the formatted figures the paragraphs' templates read (every number of the prose)
    figures: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def _ranking_table(result: BenchmarkResult, lang: str) -> TableContent:
    fw = result.fw
    rows = []
    for c in result.countries:
        region = fw.regions[c.region][0](lang) if c.region else ""
        imputed = len(c.imputed)
        data = f"{c.available}/{c.of}"
        if imputed:
            data += f" ({imputed} {'ước bù' if lang == 'vi' else 'imputed'})"
        rows.append(
            [
                str(c.rank) if c.scored else "–",
                fw.countries[c.iso3](lang),
                region,
                format_number(c.index, 1, lang) if c.index is not None else "–",
                f"{c.rank_p5}–{c.rank_p95}" if c.scored else "–",
                data,
            ]
        )
    header = phrasing()["table_header"][lang]
    return TableContent(header, rows, ["right", "left", "left", "right", "right", "right"])


def _gap_table(result: BenchmarkResult, lang: str) -> TableContent:
    fw = result.fw
    vi = lang == "vi"
    header = (
        ["Chỉ tiêu", "Đơn vị", "Việt Nam", "Dẫn đầu khu vực", "Trung vị khu vực", "Số nước"]
        if vi
        else ["Indicator", "Unit", "Viet Nam", "Regional leader", "Regional median", "Countries"]
    )
    rows = []
    for g in gap_facts(result):
        ind = fw.indicator(g.indicator)

        def v(x: float | None, ind: Any = ind) -> str:
            return "–" if x is None else format_number(x, ind.decimals, lang)

        leader = f"{fw.countries[g.leader](lang)}: {v(g.leader_value)}" if g.leader else "–"
        vn = v(g.vn_value) + (f" ({g.vn_year})" if g.vn_year else "")
        rows.append([ind.name(lang), ind.unit(lang), vn, leader, v(g.median), str(g.n)])
    return TableContent(header, rows, ["left", "left", "right", "left", "right", "right"])


def _chart(result: BenchmarkResult, lang: str) -> BarChartSpec:
    ph, fw = phrasing()["chart"], result.fw
    scored = [c for c in result.scored if c.index is not None]
    return BarChartSpec(
        title=render(ph["title"][lang], year=result.year),
        x_label=ph["x_label"][lang],
        categories=[fw.countries[c.iso3](lang) for c in scored],
        values=[float(c.index or 0.0) for c in scored],
        labels=[format_number(c.index or 0.0, 1, lang) for c in scored],
        annotations=[f"{c.rank_p5}–{c.rank_p95}" for c in scored],
        highlight=[c.iso3 == fw.store_country for c in scored],
        x_max=100.0 if result.config.normalisation != "zscore" else None,
    )


def _sources(result: BenchmarkResult) -> list[dict[str, str]]:
    seen: dict[tuple[str, str], None] = {}
    for c in result.scored:
        for comp in c.values.values():
            for r in comp.inputs:
                seen.setdefault((r.source_title, r.source_url), None)
    return [{"title": t, "url": u} for t, u in sorted(seen)]


def benchmark_section(result: BenchmarkResult, lang: str = "vi") -> SectionContent:
    """The section's content in ``lang`` (vi or en)."""
    intro = render(phrasing()["gap_intro"][lang], region=result.fw.comparison_name(lang))
    return SectionContent(
        key=SECTION_KEY,
        lang=lang,
        title=render(phrasing()["title"][lang], year=result.year),
        paragraphs=[*summary_sentences(result, lang), intro, *gap_sentences(result, lang)],
        table=_ranking_table(result, lang),
        gap_table=_gap_table(result, lang),
        chart=_chart(result, lang),
        sources=_sources(result),
        figures=[c for _, c in (*summary_contexts(result, lang), *gap_contexts(result, lang))],
    )
