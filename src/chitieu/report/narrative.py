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

from chitieu.analyze.coverage import reason_text
from chitieu.catalog.indicators import Catalog, catalog
from chitieu.catalog.periods import Period, PeriodType, parse_period
from chitieu.catalog.vocabulary import NATION_ID
from chitieu.fmt import period_label
from chitieu.report.facts import ReportFact
from chitieu.report.phrasing import capitalise, lower_first, render

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

    def _change(self, rf: ReportFact, d: Discourse) -> str:
        """The change clauses: on the period before (months, quarters), then on last year
        ("tăng 6% so với tháng trước và tăng 8,6% so với cùng kỳ năm trước"); a change the
        coverage rule withholds is said to be left out, and why."""
        change = ""
        if rf.trend is not None:
            change = render(self.phr["change"][rf.trend], pct=rf.change, ref=self._ref(d))
        elif "change_pct" in rf.withheld:
            change = render(self.phr["change_withheld"], ref=self._ref(d),
                            reason=reason_text(rf.withheld["change_pct"], self.lang))  # fmt: skip
        st = rf.steps
        if st is None or st.prior_trend is None:
            return change
        kind = "month" if self.period.type == PeriodType.MONTH else "quarter"
        prior = render(self.phr["prior"][st.prior_trend], pct=st.prior_change,
                       ref=self.phr["prior_ref"][kind])  # fmt: skip
        if change.startswith(","):
            change = self.phr["prior_join"] + change[1:]
        return prior + change

    def _plan(self, rf: ReportFact, status: str | None, pct: str | None) -> str:
        if status is None:
            return ""
        named = self.cat.get(rf.indicator).phrasing.get("plan_year_named", True)
        plan_ref = render(
            self.phr["plan_ref"]["named" if named else "unnamed"], year=self.period.year
        )
        return render(self.phr["plan"][status], pct=pct, plan_ref=plan_ref)

    def _render(self, rf: ReportFact, estimated: bool, value: str | None, **clauses: str) -> str:
        ind = self.cat.get(rf.indicator)
        opts = ind.phrasing
        verb = self.phr["verbs"][opts.get("verb", "default")]["estimate" if estimated else "actual"]
        as_of = period_label(self.period, self.lang, "as_of") if opts.get("as_of") else ""
        measure = rf.measure
        if rf.hypothetical and rf.covered:  # a what-if's figure (report/whatif.py)
            measure += render(self.phr["whatif"]["coverage_clause"], covered=rf.covered[0],
                              expected=rf.covered[1], hypothetical=rf.hypothetical)  # fmt: skip
        elif rf.covered:  # a province's: the old provinces it is made of
            key = "coverage_clause" if rf.fact.unit == NATION_ID else "coverage_clause_unit"
            measure += render(self.phr.get(key) or self.phr["coverage_clause"],
                              covered=rf.covered[0], expected=rf.covered[1])  # fmt: skip
        text = render(
            ind.templates(self.lang), verb=verb, value=value, measure=measure,
            as_of=as_of, name=rf.name, period=self.label, **clauses,
        )  # fmt: skip
        return _SPACE_COMMA.sub(",", _SPACES.sub(" ", text)).strip()

    def clause(self, rf: ReportFact, d: Discourse) -> str:
        """One indicator's clause, e.g. "doanh thu … ước đạt 1.614.206 tỷ đồng, giảm 8,66% …"."""
        plan = self._plan(rf, rf.plan_status, rf.plan_pct)
        return self._render(rf, rf.estimated, rf.value, change_clause=self._change(rf, d),
                            plan_clause=plan)  # fmt: skip

    def cumulative(self, rf: ReportFact, d: Discourse) -> str | None:
        """The year to date of a month's or quarter's figure ("Lũy kế 9 tháng năm 2023, doanh
        thu … ước đạt …"), or None when there is none beyond the period itself."""
        st = rf.steps
        if st is None or st.cumulative is None or st.cumulative_period in (None, rf.fact.period):
            return None
        change = ""
        if st.cumulative_trend is not None:
            change = render(self.phr["change"][st.cumulative_trend], pct=st.cumulative_change,
                            ref=self._ref(d))  # fmt: skip
        plan = self._plan(rf, st.cumulative_plan_status, st.cumulative_plan_pct)
        body = self._render(rf, st.cumulative_estimated, st.cumulative, change_clause=change,
                            plan_clause=plan)  # fmt: skip
        label = period_label(parse_period(str(st.cumulative_period)), self.lang)
        return capitalise(render(self.phr["cumulative_intro"], period=label) + body)

    def withheld_value(self, rf: ReportFact) -> str:
        """A figure the coverage rule withholds, and why ("… chưa công bố: …")."""
        c = rf.fact.coverage
        return capitalise(render(
            self.phr["value_withheld"], name=rf.name, name_lower=lower_first(rf.name),
            reason=reason_text(rf.withheld["value"], self.lang),
            covered=len(c.covered) if c else 0, expected=c.expected if c else 0,
        ))  # fmt: skip

    def intro(self, unit_name: str | None = None) -> str:
        """The paragraph opener ("Trong 6 tháng đầu năm 2023, ")."""
        if unit_name:
            return render(self.phr["intro_unit"], period=self.label, unit=unit_name)
        return render(self.phr["intro"][str(self.period.type)], period=self.label)

    def paragraph(self, facts: Iterable[ReportFact], unit_name: str | None = None) -> str:
        """Sentences for ``facts`` (those with a value), the first opened by the intro; a
        month's or quarter's figure is followed by its year to date; a withheld figure says
        why it is not stated."""
        end = self.phr["sentence_end"]
        return self.phr["sentence_join"].join(s + end for _, s in self.sentences(facts, unit_name))

    def sentences(
        self, facts: Iterable[ReportFact], unit_name: str | None = None
    ) -> list[tuple[str, str]]:
        """(indicator, sentence) of :meth:`paragraph`, each sentence without its full stop."""
        d = Discourse()
        out: list[tuple[str, str]] = []
        for rf in facts:
            if rf.value is None:
                if "value" in rf.withheld:
                    out.append((rf.indicator, self.withheld_value(rf)))
                continue
            clause = self.clause(rf, d)
            opener = self.intro(unit_name) if not out else ""
            out.append((rf.indicator, capitalise(opener + clause)))
            cumulative = self.cumulative(rf, d)
            if cumulative:
                out.append((rf.indicator, cumulative))
        return out
