"""What section builders read: the report's inputs (facts, tasks, peers), phrasing, the date.

A context wraps one :class:`~chitieu.report.inputs.ReportInputs`, gathered before any section
runs; sections read it and never the store, and write nothing into it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.dates import format_date

from chitieu.catalog.indicators import Catalog
from chitieu.catalog.organisations import Organisation, in_text, issuer
from chitieu.catalog.periods import Period, parse_period
from chitieu.catalog.units import NATION_ID, UnitRegistry
from chitieu.fmt import period_label
from chitieu.report.facts import FactTable, ReportFact
from chitieu.report.inputs import Peers, ReportInputs
from chitieu.report.model import DocMeta, Paragraph
from chitieu.report.narrative import Narrator
from chitieu.report.phrasing import render
from chitieu.workflow.tasks import Task

_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


@dataclass(frozen=True)
class ReportContext:
    """Everything one report is built from: its inputs, and how to phrase them."""

    inputs: ReportInputs
    phr: dict[str, Any]
    cat: Catalog
    units: UnitRegistry
    narrator: Narrator

    @property
    def period(self) -> Period:
        """The report's period."""
        return self.inputs.period

    @property
    def unit(self) -> str:
        """The report's unit (VN: the nation)."""
        return self.inputs.unit

    @property
    def lang(self) -> str:
        """The report's language."""
        return self.inputs.lang

    @property
    def table(self) -> FactTable:
        """The fact table."""
        return self.inputs.table

    @property
    def tasks(self) -> tuple[Task, ...]:
        """The key tasks."""
        return self.inputs.tasks

    @property
    def report_date(self) -> date:
        """The report's date (heading, task status)."""
        return self.inputs.report_date

    @property
    def peers(self) -> Peers | None:
        """The publishing benchmark of a national report."""
        return self.inputs.peers

    @property
    def next(self) -> Period:
        """The next period (key tasks)."""
        return self.period.after()

    def label(self, p: Period | None = None) -> str:
        """A period's name in text."""
        return period_label(p or self.period, self.lang)

    def short_label(self, p: Period) -> str:
        """A period's short name (chart axes)."""
        return render(
            self.phr["short_period"][str(p.type)],
            year=p.year,
            n=p.index,
            roman=_ROMAN.get(p.index, ""),
        )

    def unit_name(self, unit_id: str, short: bool = True) -> str:
        """A unit's name in the report's language."""
        return self.units.get(unit_id).label(self.lang, short)

    def date_text(self, d: date) -> str:
        """A date as the report writes it (30/11/2023; en: 30 November 2023)."""
        return format_date(d, "dd/MM/yyyy" if self.lang == "vi" else "d MMMM yyyy", self.lang)

    def placeholder(self, what: str) -> Paragraph:
        """A paragraph the analyst completes."""
        return Paragraph(render(self.phr["placeholder"], what=what), style="placeholder")

    def group_facts(self, group: str) -> list[ReportFact]:
        """Facts of the report's unit for the indicators of a group, in catalog order."""
        out = []
        for ind in self.cat:
            rf = self.table.get(ind.code)
            if ind.group != group or rf is None:
                continue
            if rf.fact.value is not None or "value" in rf.withheld:  # withheld: said why
                out.append(rf)
        return out

    def stated_periods(self) -> list[Period]:
        """The periods whose figures the report states: its own, the same period last year,
        and those of the headline series."""
        out = {self.period, self.period.same_period_last_year()}
        for points in self.table.series.values():
            out.update(parse_period(rf.fact.period) for rf in points)
        return sorted(out, key=lambda q: (q.start, q.end))

    def tasks_of(self, p: Period) -> list[Task]:
        """Tasks due in ``p`` (or in a period it contains)."""
        return self.inputs.tasks_of(p)

    def issuer(self) -> Organisation:
        """The body that issues this report on its date (organisation data)."""
        unit = None if self.unit == NATION_ID else self.units.get(self.unit)
        return issuer(unit, self.report_date, self.lang)

    def unit_text(self, unit_id: str | None = None, start: bool = False) -> str:
        """A unit as running text names it ("tỉnh An Giang", "Thành phố Hồ Chí Minh")."""
        return in_text(self.units.get(unit_id or self.unit), self.lang, start)

    def meta(self) -> DocMeta:
        """The heading block (Decree 30/2020/NĐ-CP) of this report, from the issuer on its date."""
        doc = self.phr["document"]
        org = self.issuer()
        d = self.report_date
        # Decree 30: days below 10 and months 1 and 2 are written with a leading zero
        place_date = render(
            doc["place_date"],
            place=org.place,
            day=f"{d.day:02d}",
            month=f"{d.month:02d}" if d.month < 3 else str(d.month),
            year=d.year,
            long_date=format_date(d, "d MMMM y" if self.lang == "en" else "long", self.lang),
        )
        kind = str(self.period.type)
        title = doc["title"].get(kind) or doc["title"]["other"]
        scope = "" if self.unit == NATION_ID else render(doc["scope"], unit=self.unit_text())
        return DocMeta(
            lang=self.lang,
            issuer_parent=org.parent,
            issuer=org.heading,
            number=org.number,
            motto1=doc["motto1"],
            motto2=doc["motto2"],
            place_date=place_date,
            doc_type=doc["doc_type"],
            title=render(title, period=self.label(), next=self.label(self.next), scope=scope),
            signer_title=org.signer_title,
            signer_name=doc["signer_name"],
            recipients_label=doc["recipients_label"],
            recipients=list(org.recipients),
            period=self.period.id,
            unit=self.unit if self.unit != NATION_ID else "",
        )
