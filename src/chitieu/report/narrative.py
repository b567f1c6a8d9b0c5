"""Sentences from facts: per-indicator clause templates (catalog) joined by phrasing rules.

A paragraph is a run of clauses, one per indicator. The first sentence opens with the period's
intro ("Trong 6 tháng đầu năm 2023, "); each sentence starts with a capital; the first
comparison with last year names the year, later ones say "năm trước". All of it is data
(``data/phrasing.yaml`` and each indicator's ``templates`` / ``phrasing``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from chitieu.catalog.indicators import Catalog, catalog
from chitieu.catalog.periods import Period, PeriodType
from chitieu.fmt import period_label
from chitieu.report.facts import ReportFact
from chitieu.report.phrasing import capitalise, render

_SPACES = re.compile(r" {2,}")
_SPACE_COMMA = re.compile(r" +,")


@dataclass
class Discourse:
    """State carried across the clauses of one paragraph."""

    year_named: bool = False


class Narrator:
    """Phrases facts of one period in one language."""

    def __init__(
        self, phr: dict[str, Any], period: Period, lang: str, cat: Catalog | None = None
    ) -> None:
        self.phr = phr
        self.period = period
        self.lang = lang
        self.cat = cat or catalog()
        self.label = period_label(period, lang)

    def _ref(self, d: Discourse) -> str:
        refs = self.phr["reference"]["year" if self.period.type == PeriodType.YEAR else "other"]
        which = "later" if d.year_named else "first"
        d.year_named = True
        return render(refs[which], prev_year=self.period.year - 1)

    def reference(self, first: bool = True) -> str:
        """How "the same period last year" is named ("cùng kỳ năm 2022")."""
        return self._ref(Discourse(year_named=not first))

    def clause(self, rf: ReportFact, d: Discourse) -> str:
        """One indicator's clause, e.g. "doanh thu … ước đạt 1.614.206 tỷ đồng, giảm 8,66% …"."""
        ind = self.cat.get(rf.indicator)
        opts = ind.phrasing
        kind = "estimate" if rf.estimated else "actual"
        verb = self.phr["verbs"][opts.get("verb", "default")][kind]
        change = ""
        if rf.trend is not None:
            change = render(self.phr["change"][rf.trend], pct=rf.change, ref=self._ref(d))
        plan = ""
        if rf.plan_status is not None:
            named = opts.get("plan_year_named", True)
            plan_ref = render(
                self.phr["plan_ref"]["named" if named else "unnamed"], year=self.period.year
            )
            plan = render(self.phr["plan"][rf.plan_status], pct=rf.plan_pct, plan_ref=plan_ref)
        as_of = period_label(self.period, self.lang, "as_of") if opts.get("as_of") else ""
        text = render(
            ind.templates(self.lang),
            verb=verb,
            value=rf.value,
            measure=rf.measure,
            change_clause=change,
            plan_clause=plan,
            as_of=as_of,
            name=rf.name,
            period=self.label,
        )
        return _SPACE_COMMA.sub(",", _SPACES.sub(" ", text)).strip()

    def intro(self, unit_name: str | None = None) -> str:
        """The paragraph opener ("Trong 6 tháng đầu năm 2023, ")."""
        if unit_name:
            return render(self.phr["intro_unit"], period=self.label, unit=unit_name)
        return render(self.phr["intro"][str(self.period.type)], period=self.label)

    def paragraph(self, facts: Iterable[ReportFact], unit_name: str | None = None) -> str:
        """Sentences for ``facts`` (those with a value), the first opened by the intro."""
        d = Discourse()
        sentences: list[str] = []
        for rf in facts:
            if rf.value is None:
                continue
            clause = self.clause(rf, d)
            if not sentences:
                sentences.append(capitalise(self.intro(unit_name) + clause))
            else:
                sentences.append(capitalise(clause))
        end = self.phr["sentence_end"]
        return self.phr["sentence_join"].join(s + end for s in sentences)
