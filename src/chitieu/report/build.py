"""Building the review report: facts once, the document from registered sections, each format."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import Future
from datetime import date, datetime
from pathlib import Path
from typing import Any

from chitieu.analyze.facts import StoreLike
from chitieu.atomic import atomic_path
from chitieu.catalog.indicators import catalog
from chitieu.catalog.periods import Period, parse_period
from chitieu.catalog.unit_scope import report_scope
from chitieu.catalog.units import NATION_ID, registry
from chitieu.catalog.vocabulary import Boundaries
from chitieu.clock import today
from chitieu.errors import ChitieuError
from chitieu.report import annex, sections, workers
from chitieu.report.benchmark import benchmark_annex
from chitieu.report.charts import to_plotly
from chitieu.report.context import ReportContext
from chitieu.report.inputs import gather
from chitieu.report.model import Chart, DocMeta, Document, Heading, register_section
from chitieu.report.model import sections as registered
from chitieu.report.narrative import Narrator
from chitieu.report.phrasing import phrasing
from chitieu.report.render import Format, RenderJob, formats, write_text

_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")

register_section("results", sections.results, 100)
register_section("assessment", sections.assessment, 200)
register_section("tasks", annex.key_tasks, 300)
register_section("recommendations", annex.recommendations, 400)
register_section("annex", annex.annex_table, 900)
register_section("provinces", annex.province_table, 910)
register_section("benchmark_publishing", benchmark_annex, 920)


class ReportError(ChitieuError):
    """A report cannot be made as asked."""

    exit_code = 2


class ReportWarning(ChitieuError):
    """Something the reader of a report should know about what was asked (not raised)."""

    exit_code = 0


def make_context(
    store: StoreLike,
    period: str | Period,
    unit: str = NATION_ID,
    lang: str = "vi",
    templates: Path | None = None,
    as_of: datetime | None = None,
    boundaries: str = "current",
    report_date: date | None = None,
    on_warning: Callable[[ChitieuError], None] | None = None,
    benchmark: bool | None = None,
) -> ReportContext:
    """Gather the report's inputs (one read of everything it states) and how to phrase them.

    ``benchmark``: whether the publishing benchmark annex is made (default: for the ministry's
    report only, whose scope calls for it)."""
    p = parse_period(str(period)) if not isinstance(period, Period) else period
    cat, units = catalog(), registry()
    phr = phrasing(lang, templates)
    b = Boundaries(boundaries)
    scope = report_scope(unit, p, b, units)
    for code, params in scope.warnings:
        (on_warning or _no_warning)(ReportWarning(code=code, **params))
    headline = tuple(i.code for i in cat if i.group == phr["headline_group"])
    inputs = gather(store, p, scope.unit.id, lang, as_of, b, report_date or today(), headline,
                    cat, units, tuple(phr["illustrative_markers"]), benchmark)  # fmt: skip
    return ReportContext(inputs, phr, cat, units, Narrator(phr, p, lang, cat))


def _no_warning(w: ChitieuError) -> None:
    """Warnings nobody asked to see are dropped (the CLI prints them)."""


def _number(doc_sections: list[Any]) -> None:
    """Number level-1 headings of the body I, II, … and level-2 headings 1, 2, … within them."""
    n1 = 0
    for s in doc_sections:
        n2 = 0
        for b in s.blocks:
            if not isinstance(b, Heading) or s.annex:
                continue
            if b.level == 1:
                b.text = f"{_ROMAN[n1]}. {b.text}"
                n1, n2 = n1 + 1, 0
            elif b.level == 2:
                n2 += 1
                b.text = f"{n2}. {b.text}"


def build_document(ctx: ReportContext) -> Document:
    """Run every registered section builder, in order, into one document."""
    out = []
    for name, order, builder in registered():
        section = builder(ctx)
        if section is not None:
            section.name, section.order = name, order
            out.append(section)
    _number(out)
    meta: DocMeta = ctx.meta()
    return Document(meta, out)


def _builtin_pdf() -> Any:
    from chitieu.report.render.html import render_pdf

    return render_pdf


def _render(fmt: Format, job: RenderJob, target: Path) -> Path:
    with atomic_path(target) as tmp:
        fmt.render(job, tmp)
    return target


def _check_request(
    formats: tuple[str, ...] | list[str], known: dict[str, Format], templates: Path | None
) -> None:
    """ReportError for an unknown format or a templates path that is no folder."""
    bad = [f for f in formats if f not in known]
    if bad:
        raise ReportError(f"unknown format(s): {', '.join(bad)}", f"use {', '.join(known)}")
    if templates is not None and not templates.is_dir():
        raise ReportError(f"{templates}: not a folder", "give a folder of templates")


def _start_charts(
    charts: list[Chart], job: RenderJob, img_dir: Path, pools: dict[str, Any]
) -> list[tuple[Future[Any], Chart]]:
    """Every chart's image started (on another core when there is a pool) into ``img_dir``."""
    img_dir.mkdir(exist_ok=True)
    for c in charts:  # an older image must not stand in for the one being drawn
        target = img_dir / f"{c.spec.id}.png"
        target.unlink(missing_ok=True)
        workers.failed_marker(target).unlink(missing_ok=True)
        job.images[c.spec.id] = target
    drawn: list[tuple[Future[Any], Chart]] = []
    for c in charts:  # drawn on another core while this process goes on
        fut = workers.submit(pools.get("charts"), workers.draw_chart, c.spec, job.images[c.spec.id])
        drawn.append((fut, c))
    return drawn


def _charts(doc: Document) -> list[Chart]:
    return [b for s in doc.sections for b in s.blocks if isinstance(b, Chart)]


def build_report(
    store: StoreLike,
    period: str | Period,
    unit: str = NATION_ID,
    lang: str = "vi",
    formats: tuple[str, ...] | list[str] = ("md",),
    out_dir: Path = Path("."),
    templates: Path | None = None,
    as_of: datetime | None = None,
    boundaries: str = "current",
    report_date: date | None = None,
    on_warning: Callable[[ChitieuError], None] | None = None,
    benchmark: bool | None = None,
    pdf_variant: str | None = None,
) -> dict[str, Path]:
    """Write the report of ``period`` in each of ``formats``; returns format → file.

    ``pdf_variant``: WeasyPrint's variant of the PDF (``pdf/a-2b`` for an edition's archive).

    Also writes the fact table as ``<stem>.facts.json`` (key ``facts``) so that every figure
    of the text can be traced. Every file is written whole or not at all.
    """
    known = _formats()
    _check_request(formats, known, templates)
    needs_images = any(known[f].needs_images for f in formats)
    pools = workers.pools() if needs_images else {}
    ctx = make_context(
        store, period, unit, lang, templates, as_of, boundaries, report_date, on_warning, benchmark
    )
    doc = build_document(ctx)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"report-{ctx.period.id}" + (
        f"-{ctx.unit.split('@')[0]}" if ctx.unit != NATION_ID else ""
    )
    stem += f"-{lang}"
    job = RenderJob(doc, out_dir, stem, templates, pdf_variant=pdf_variant)
    charts = _charts(doc)
    drawn: list[tuple[Future, Chart]] = []
    pdf: Future | None = None
    builtin_pdf = "pdf" in formats and known["pdf"].render is _builtin_pdf()
    pdf_target = out_dir / f"{stem}{known['pdf'].suffix}" if builtin_pdf else None
    if needs_images:
        drawn = _start_charts(charts, job, out_dir / f"{stem}_files", pools)
        if builtin_pdf and "pdf" in pools:  # starts now, waits for each chart as it needs it
            pdf = workers.submit(pools["pdf"], workers.print_pdf, job, pdf_target)
    if any(known[f].needs_plotly for f in formats):
        job.plotly = {c.spec.id: to_plotly(c.spec) for c in charts}
    written: dict[str, Path] = {}
    later = [f for f in formats if known[f].needs_images]
    for f in [f for f in formats if f not in later]:
        written[f] = _render(known[f], job, out_dir / f"{stem}{known[f].suffix}")
    for fut, c in drawn:
        workers.result(fut, workers.draw_chart, c.spec, job.images[c.spec.id])
    if builtin_pdf and pdf is None:  # no worker: printed here, now that the charts exist
        pdf = workers.submit(None, workers.print_pdf, job, pdf_target)
    for f in later:
        if f == "pdf" and pdf is not None:
            continue
        written[f] = _render(known[f], job, out_dir / f"{stem}{known[f].suffix}")
    if pdf is not None:
        written["pdf"] = workers.result(pdf, workers.print_pdf, job, pdf_target)
    written = {f: written[f] for f in formats}
    facts = out_dir / f"{stem}.facts.json"
    data = ctx.inputs.to_dict()
    write_text(facts, json.dumps(data, ensure_ascii=False, indent=1, default=str))
    written["facts"] = facts
    return written


_formats = formats
