"""The report's fact table: every figure the report states, formatted once.

Built from ``chitieu.analyze.facts`` (which computes the comparisons); this
module only adds what a text needs — the figure as written (CLDR, rounded), the direction of
the rounded change, the plan status, the estimate mark — and counts (completeness). Templates
read these fields and never compute; every number in the report's text is one of
:meth:`FactTable.stated`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from chitieu.analyze.facts import Fact, FactLoad, round_half_up
from chitieu.analyze.series import like_for_like
from chitieu.catalog.indicators import Catalog, Indicator, ValueType
from chitieu.catalog.periods import Period, PeriodType, TimeRule
from chitieu.catalog.units import NATION_ID, UnitRegistry
from chitieu.catalog.vocabulary import system_for
from chitieu.fmt import format_number, format_pct


@dataclass(frozen=True)
class ReportFact:
    """A fact as the report states it."""

    fact: Fact
    name: str
    measure: str
    group: str
    estimated: bool
    value: str | None  # "1.614.206"
    previous: str | None
    plan: str | None
    change: str | None  # |rounded change| "8,66"
    change_signed: str | None  # "-8,66" (tables and charts)
    trend: str | None  # up | down | flat (of the rounded change)
    plan_pct: str | None  # "39,6"
    plan_status: str | None  # below | met | above (of the rounded % of plan)
    same_period_pct: str | None  # value as % of the same period last year, "91,34"
    share: str | None
    behind_pace: bool  # a flow below the share of the year elapsed
    pace: str | None  # "50"
    withheld: dict[str, str] = field(default_factory=dict)  # field → reason (analyze's rule)
    steps: Steps | None = None  # months and quarters: on the period before, year to date
    covered: tuple[str, str] | None = None  # ("31", "34") of a total that is not complete
    #: a what-if's figure (analyze/whatif.py): how many units' figures are hypothetical ("1");
    #: ``covered`` then counts the others
    hypothetical: str | None = None

    @property
    def rank_shown(self) -> bool:
        """Whether the rank may be stated: among two units or more, not withheld."""
        f = self.fact
        return bool(f.rank and f.rank_of and f.rank_of >= 2 and "rank" not in self.withheld)

    @property
    def indicator(self) -> str:
        """The indicator code."""
        return self.fact.indicator

    @property
    def unit(self) -> str:
        """The unit id."""
        return self.fact.unit

    def numbers(self) -> list[str]:
        """Every figure of this fact as written."""
        out = [self.value, self.previous, self.plan, self.change, self.change_signed]
        out += [self.plan_pct, self.pace]
        out += [self.same_period_pct, self.share]
        if self.rank_shown:
            out += [str(self.fact.rank), str(self.fact.rank_of)]
        out += list(self.covered or ()) + (self.steps.numbers() if self.steps else [])
        out += [self.hypothetical] if self.hypothetical else []
        return [x for x in out if x is not None]


@dataclass(frozen=True)
class Completeness:
    """How many provinces reported an indicator, estimated it, or are missing."""

    indicator: str
    expected: int
    reported: int
    estimated: int
    missing: list[str]
    #: provinces whose figure does not cover all it should (an old province or a month
    #: missing): neither reported nor missing (``Fact.coverage``)
    partial: list[str] = field(default_factory=list)


def _fmt_value(v: float | None, ind: Indicator, lang: str) -> str | None:
    if v is None:
        return None
    if ind.value_type == ValueType.PERCENT:
        return format_pct(v, ind.decimals, lang)
    return format_number(v, ind.decimals, lang)


def _pct(v: float | None, lang: str) -> str | None:
    return None if v is None else format_pct(v, 2, lang)


def withheld(f: Fact) -> dict[str, str]:
    """What the facts entry withholds from publication, field → reason code (``change_pct``:
    ``territory_differs`` …; ``analyze.coverage.REASONS``)."""
    return dict(f.withheld)


def _trend(pct: float | None) -> str | None:
    if pct is None:
        return None
    return "up" if pct > 0 else "down" if pct < 0 else "flat"


@dataclass(frozen=True)
class Steps:
    """A month's or quarter's change on the period before, and the year to date ("lũy kế")."""

    prior_change: str | None  # |rounded change| on the month / quarter before
    prior_trend: str | None
    cumulative_period: str | None  # 2023YTD09
    cumulative: str | None
    cumulative_estimated: bool
    cumulative_change: str | None
    cumulative_trend: str | None
    cumulative_plan_pct: str | None
    cumulative_plan_status: str | None

    def numbers(self) -> list[str]:
        """Every figure as written."""
        out = [self.prior_change, self.cumulative, self.cumulative_change]
        return [x for x in [*out, self.cumulative_plan_pct] if x is not None]


def steps(f: Fact, ind: Indicator, lang: str) -> Steps | None:
    """The month-on-month / quarter-on-quarter change and the year to date, as written
    (None for other periods, or when analyze gives neither)."""
    prior = None if "prior_change_pct" in f.withheld else f.prior_change_pct
    cum = None if "cumulative" in f.withheld else f.cumulative
    if ind.time_rule != TimeRule.SUM:  # a stock's year to date is its level: no "lũy kế"
        cum = None
    if prior is None and cum is None:
        return None
    cum_change = None if "cumulative_change_pct" in f.withheld else f.cumulative_change_pct
    return Steps(
        prior_change=None if prior is None else _pct(abs(prior), lang),
        prior_trend=_trend(prior),
        cumulative_period=f.cumulative_period if cum is not None else None,
        cumulative=_fmt_value(cum, ind, lang),
        cumulative_estimated=f.cumulative_kind == "estimate",
        cumulative_change=None if cum_change is None else _pct(abs(cum_change), lang),
        cumulative_trend=_trend(cum_change) if cum is not None else None,
        cumulative_plan_pct=_pct(f.cumulative_plan_pct, lang) if cum is not None else None,
        cumulative_plan_status=_plan_status(f.cumulative_plan_pct) if cum is not None else None,
    )


def _plan_status(pct: float | None) -> str | None:
    if pct is None:
        return None
    return "above" if pct > 100 else "met" if pct == 100 else "below"


def _published(f: Fact, held: dict[str, str]) -> Fact:
    """The fact with what is withheld taken out (its comparisons are not stated)."""
    gone: dict[str, Any] = {}
    if "change_pct" in held:
        gone.update(change_pct=None, change_pct_exact=None)
    if "plan_pct" in held:
        gone.update(plan_pct=None, plan_pct_exact=None)
    if "share_pct" in held:
        gone.update(share_pct=None)
    if "value" in held:
        gone.update(value=None)
    return replace(f, **gone) if gone else f


def report_fact(f: Fact, ind: Indicator, cat: Catalog, p: Period, lang: str) -> ReportFact:
    """Format one analytic fact for the report (no comparison is recomputed)."""
    held = withheld(f)
    f = _published(f, held)
    trend = _trend(f.change_pct)
    plan_status = _plan_status(f.plan_pct)
    same = None if f.change_pct_exact is None else round_half_up(f.change_pct_exact + 100)
    pace = None
    behind = False
    if ind.time_rule == TimeRule.SUM and p.type != PeriodType.YEAR and f.plan_pct is not None:
        pace_value = round_half_up(p.n_months / 12 * 100)
        pace = format_pct(pace_value or 0, 2, lang)
        behind = f.plan_pct < (pace_value or 0)
    return ReportFact(
        fact=f,
        name=ind.name(lang),
        measure=cat.measure(ind, lang),
        group=ind.group,
        estimated=f.kind == "estimate",
        value=_fmt_value(f.value, ind, lang),
        previous=_fmt_value(f.previous, ind, lang),
        plan=_fmt_value(f.plan, ind, lang),
        change=_pct(abs(f.change_pct), lang) if f.change_pct is not None else None,
        change_signed=None if f.change_pct is None else format_pct(f.change_pct, 2, lang, True),
        trend=trend,
        plan_pct=_pct(f.plan_pct, lang),
        plan_status=plan_status,
        same_period_pct=_pct(same, lang),
        share=_pct(f.share_pct, lang),
        behind_pace=behind,
        pace=pace,
        withheld=held,
        steps=steps(f, ind, lang),
        covered=_covered(f),
        hypothetical=str(len(f.coverage.hyp)) if f.coverage and f.coverage.hyp else None,
    )


def _covered(f: Fact) -> tuple[str, str] | None:
    """(units covered, units expected) of a total that does not cover all it should; of a
    what-if's figure, the units covered without the hypothetical ones."""
    c = f.coverage
    if f.value is None or c is None or c.own:
        return None
    if c.hyp:
        return str(len(c.covered) - len(c.hyp)), str(c.expected)
    return None if c.complete else (str(len(c.covered)), str(c.expected))


@dataclass
class FactTable:
    """All facts of one report: the period's, and the headline series over earlier periods."""

    period: Period
    unit: str
    lang: str
    boundaries: str
    facts: dict[tuple[str, str], ReportFact]
    series: dict[str, list[ReportFact]] = field(default_factory=dict)
    completeness: dict[str, Completeness] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def get(self, indicator: str, unit: str | None = None) -> ReportFact | None:
        """The fact of ``indicator`` for ``unit`` (default: the report's unit)."""
        return self.facts.get((indicator, unit or self.unit))

    def provinces(self, indicator: str) -> list[ReportFact]:
        """Province facts of an indicator with a value, ranked."""
        out = [
            rf
            for (code, unit), rf in self.facts.items()
            if code == indicator and unit != NATION_ID and rf.fact.value is not None
        ]
        return sorted(out, key=lambda rf: (rf.fact.rank or 10**6, rf.unit))

    def stated(self) -> set[str]:
        """Every figure the report may state, as written."""
        out: set[str] = set()
        for rf in self.facts.values():
            out.update(rf.numbers())
        for facts in self.series.values():
            for rf in facts:
                out.update(rf.numbers())
        for c in self.completeness.values():
            out.update(str(x) for x in (c.expected, c.reported, c.estimated, len(c.missing)))
        out.update(str(v) for v in self.counts.values())
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (written beside the report for traceability)."""

        def one(rf: ReportFact) -> dict[str, Any]:
            # (a what-if's mark only where there is one: facts.json as it was before it)
            d = {k: v for k, v in rf.__dict__.items()
                 if k != "fact" and not (k == "hypothetical" and v is None)}  # fmt: skip
            d["steps"] = None if rf.steps is None else asdict(rf.steps)
            return {**rf.fact.to_dict(), "text": d}

        return {
            "period": self.period.id,
            "unit": self.unit,
            "lang": self.lang,
            "boundaries": self.boundaries,
            "facts": [one(rf) for rf in self.facts.values()],
            "series": {k: [one(rf) for rf in v] for k, v in self.series.items()},
            "completeness": {k: c.__dict__ for k, c in self.completeness.items()},
            "counts": self.counts,
        }


#: periods of a headline series: the period and the same period of the years before it (like
#: for like: H1 2019 … H1 2023, never H2 2022 beside H1 2023, which would draw the season)
SERIES_LENGTH = 5


def fact_table(
    loaded: FactLoad,
    p: Period,
    unit: str,
    lang: str,
    headline: tuple[str, ...],
    cat: Catalog,
    units: UnitRegistry,
    counts: dict[str, int] | None = None,
) -> FactTable:
    """The report's facts: the period's facts, the headline series over the same period of the
    years before it, completeness — all from one load of the analytics tables."""
    b = loaded.b
    main = loaded.facts(p)
    facts = {
        (f.indicator, f.unit): report_fact(f, cat.get(f.indicator), cat, p, lang) for f in main
    }
    table = FactTable(p, unit, lang, str(b), facts, counts=dict(counts or {}))
    for q in like_for_like(p, SERIES_LENGTH)[:-1]:
        for f in loaded.facts(q, headline):
            if f.unit == unit and f.value is not None:
                rf = report_fact(f, cat.get(f.indicator), cat, q, lang)
                table.series.setdefault(f.indicator, []).append(rf)
    for code in headline:
        now = table.get(code)
        if now is not None and now.fact.value is not None:
            table.series.setdefault(code, []).append(now)
    system = system_for(p.end, b)
    expected = sorted({units.on_boundaries(u.id, system) for u in units.provinces(p.end)})
    for ind in cat:
        got = {
            u: rf
            for (code, u), rf in facts.items()
            if code == ind.code and u != NATION_ID and rf.fact.value is not None
        }
        if not got and table.get(ind.code, NATION_ID) is None:
            continue
        partial = [u for u, rf in got.items() if rf.fact.coverage and not rf.fact.coverage.complete]
        full = [rf for u, rf in got.items() if u not in partial]
        table.completeness[ind.code] = Completeness(
            ind.code,
            len(expected),
            len(full),
            sum(1 for rf in full if rf.estimated),
            [u for u in expected if u not in got],
            sorted(partial),
        )
    return table
