"""What one report is made from, gathered before any section runs: :class:`ReportInputs`.

The facts of the period, the headline series, completeness and counts (one load of the
analytics tables, the benchmark's years of Viet Nam's figures included), the key tasks, and
for a national report the publishing benchmark. Sections read this object (through the
``ReportContext``) and never the store; ``<report>.facts.json`` is its :meth:`to_dict`, so
it is the same whichever sections run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from chitieu.analyze.facts import FactLoad, FactSet, StoreLike, load
from chitieu.analyze.revisions import revision_notes
from chitieu.analyze.series import like_for_like
from chitieu.benchmark.compute import window_years
from chitieu.benchmark.framework import framework
from chitieu.benchmark.run import BenchmarkResult, cached_benchmark, run_benchmark
from chitieu.benchmark.section import SectionContent, benchmark_section
from chitieu.catalog.indicators import Catalog
from chitieu.catalog.periods import Period, PeriodType, parse_period
from chitieu.catalog.units import NATION_ID, UnitRegistry
from chitieu.catalog.vocabulary import Boundaries
from chitieu.report.facts import SERIES_LENGTH, FactTable, fact_table
from chitieu.report.quality import quality_findings
from chitieu.workflow.tasks import KeyTasks, Task


@dataclass(frozen=True)
class Peers:
    """The publishing benchmark of a national report: its year, result and section content."""

    year: int
    result: BenchmarkResult
    content: SectionContent

    def to_dict(self) -> dict[str, Any]:
        """The figures the annex states (written to the fact file under ``benchmark``)."""
        c = self.content
        return {
            "year": self.year,
            "figures": c.figures,
            "sources": len(c.sources),
            "table": c.table.rows,
            "gap_table": c.gap_table.rows,
            "chart": {"labels": c.chart.labels, "annotations": c.chart.annotations},
        }


@dataclass(frozen=True)
class ReportInputs:
    """Everything one report is made from (read-only once gathered)."""

    period: Period
    unit: str
    lang: str
    boundaries: str
    report_date: date
    table: FactTable
    tasks: tuple[Task, ...]
    peers: Peers | None
    #: figures the store marks as illustrative (not official): "nation" / "provinces" → codes
    illustrative: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: the revision note of each headline figure revised since its previous release
    revisions: dict[str, str] = field(default_factory=dict)
    #: the data-quality note's findings on the stored headline figures (report/quality.py)
    quality: tuple[dict[str, Any], ...] = ()

    def tasks_of(self, p: Period) -> list[Task]:
        """Tasks due in ``p`` (or in a period it contains)."""
        return [t for t in self.tasks if p.contains(parse_period(t.period))]

    def to_dict(self) -> dict[str, Any]:
        """The fact file: every figure the report may state."""
        data = self.table.to_dict()
        data["illustrative"] = {k: list(v) for k, v in self.illustrative.items()}
        if self.peers is not None:
            data["benchmark"] = self.peers.to_dict()
        if self.revisions:
            data["revisions"] = dict(self.revisions)
        if self.quality:
            data["quality"] = [dict(q) for q in self.quality]
        return data


def benchmark_year(p: Period) -> int:
    """The year a report of ``p`` benchmarks: its own for an annual report, else the last."""
    return p.year if p.type == PeriodType.YEAR else p.year - 1


def task_counts(tasks: list[Task], p: Period, on: date) -> dict[str, int]:
    """How many tasks were set for ``p``, are done, open, slipped; how many are set next."""
    mine = [t for t in tasks if p.contains(parse_period(t.period))]
    nxt = p.after()
    out: dict[str, int] = {}
    if mine:
        done = sum(1 for t in mine if t.status_on(on) == "done")
        out.update(tasks_period=len(mine), tasks_done=done, tasks_open=len(mine) - done)
    slipped = sum(1 for t in mine if t.slipped(on))
    if slipped:
        out["tasks_slipped"] = slipped
    upcoming = sum(1 for t in tasks if nxt.contains(parse_period(t.period)))
    if upcoming:
        out["tasks_next"] = upcoming
    return out


def illustrative(
    store: StoreLike, p: Period, markers: list[str], as_of: datetime | None
) -> dict[str, tuple[str, ...]]:
    """The indicators whose stored figures of ``p``, the same period last year or the year's
    plan carry an illustrative mark in their comment (the demo's synthetic figures say so in
    every row): for the nation, and for the provinces."""
    periods = [p.id, p.same_period_last_year().id, str(p.year)]
    found: dict[str, set[str]] = {"nation": set(), "provinces": set()}
    for o in store.current(periods, as_of=as_of):
        if o.comment and any(m in o.comment for m in markers):
            found["nation" if o.unit == NATION_ID else "provinces"].add(o.indicator)
    return {k: tuple(sorted(v)) for k, v in found.items() if v}


def _peers(
    store: StoreLike, loaded: FactLoad, p: Period, lang: str, as_of: datetime | None
) -> Peers:
    year = benchmark_year(p)

    def vn_facts(period_ids: list[str], codes: list[str]) -> dict[str, FactSet]:
        return {pid: loaded.facts(pid, codes) for pid in period_ids}

    if as_of is None:
        result = cached_benchmark(store, year, facts=vn_facts)
    else:
        result = run_benchmark(store, year, facts=vn_facts)
    return Peers(year, result, benchmark_section(result, lang))


def gather(
    store: StoreLike,
    p: Period,
    unit: str,
    lang: str,
    as_of: datetime | None,
    boundaries: Boundaries,
    report_date: date,
    headline: tuple[str, ...],
    cat: Catalog,
    units: UnitRegistry,
    markers: tuple[str, ...] = (),
    benchmark: bool | None = None,
) -> ReportInputs:
    """Read everything a report of ``p`` for ``unit`` needs, once."""
    national = unit == NATION_ID if benchmark is None else benchmark
    periods = like_for_like(p, SERIES_LENGTH)
    if national:
        m = framework().method
        year = benchmark_year(p)
        periods += [parse_period(str(y)) for y in window_years(year, m.before + 1, m.after)]
    loaded = load(store, periods, boundaries, as_of, cat=cat, units=units)
    tasks = KeyTasks(store).list(unit=unit)
    table = fact_table(loaded, p, unit, lang, headline, cat, units,
                       counts=task_counts(tasks, p, report_date))  # fmt: skip
    peers = _peers(store, loaded, p, lang, as_of) if national else None
    marked = illustrative(store, p, list(markers), as_of) if markers else {}
    notes = revision_notes(store, _codes(table, headline), unit, p.id, lang, as_of)
    quality = quality_findings(store, table, _codes(table, headline), unit, p, as_of, cat)
    return ReportInputs(p, unit, lang, str(boundaries), report_date, table, tuple(tasks), peers,
                        marked, notes, tuple(quality))  # fmt: skip


def _codes(table: FactTable, headline: tuple[str, ...]) -> list[str]:
    """The headline indicators the report states a figure of."""
    return [c for c in headline if (rf := table.get(c)) is not None and rf.fact.value is not None]
