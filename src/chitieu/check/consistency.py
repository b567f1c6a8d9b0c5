"""Consistency across levels and periods, shipped and on by default (issue 17, item 2).

Two rules over stored values of the same kind, each with the indicator's tolerance from the
catalog (``consistency: {tolerance: 0.005}``: a relative gap of 0,5%):

- **the nation against its provinces** (additive indicators, where both are stored): the
  provinces of the period (the 63 before the merger, the 34 after) summed against the nation's
  own figure — when every province is stored the two must agree; when only some are, their sum
  must not exceed the nation ("the provinces add up to 120% of the nation");
- **a period against its parts** (flows, stocks and averages): a stored half, quarter, year or
  year-to-date figure (a stored 9-month figure) against what its stored parts make by the time
  rule (months against their quarter, half, year to date and year).

The components of a total (sub-sector revenues against the sector's) are the balance rule
the catalog makes for every indicator with ``components:`` (``check.rules.components_rules``:
``ict-revenue-balance``, with the indicator's tolerance) on a write, in the web form and in
``chitieu validate``; :func:`components_findings` finds them for the report's data-quality
note. Every check here tests a gap with ``catalog.indicators.within``.

Findings are warnings with their place (indicator, unit, period), the stored value, what the
parts make and the imbalance; those of the two rules above are raised on every write
(``check.runner.validate_values``: import, web form, API), by ``chitieu validate`` and for a
report's data-quality note. Which figure the facts use when a
stored aggregate and its parts disagree is the indicator's ``consistency: prefer`` (the
stored aggregate by default; ``analyze/withhold.py`` applies it to the nation, ``analyze/cube.py``
to a stored period against its parts, and every fact says which it used: ``Fact.source``); for
a total against its components it is ``consistency: components`` (``total`` by default, or
``components``: ``analyze/components.py``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from chitieu.catalog.indicators import Catalog, UnitsRule, catalog, within
from chitieu.catalog.periods import Period, PeriodType, TimeRule, parse_period, roll_up
from chitieu.catalog.units import NATION_ID, registry
from chitieu.check.findings import Finding, Severity
from chitieu.errors import ChitieuError

#: (indicator, unit, period, kind) → value
Values = Mapping[tuple[str, str, str, str], float]
NATION_TYPE = "consistency-nation-provinces"
PARTIAL_TYPE = "consistency-provinces-exceed-nation"
PARTS_TYPE = "consistency-period-parts"
COMPONENTS_TYPE = "consistency-components-total"


def _gap(stored: float, parts: float, tolerance: float) -> bool:
    return not within(stored, parts, tolerance)


def _finding(type_: str, ind: str, unit: str, period: str, kind: str, stored: float,
             parts: float, **params: Any) -> Finding:  # fmt: skip
    pct = 100.0 * (stored - parts) / parts if parts else None
    return Finding(
        type_, Severity.WARNING, value=stored, indicator=ind, unit=unit, period=period,
        imbalance=stored - parts, rule=type_,
        params={"kind": kind, "parts": parts, "parts_vi": _num(parts, "vi"),
                "parts_en": _num(parts, "en"), "value_vi": _num(stored, "vi"),
                "value_en": _num(stored, "en"), "gap_vi": _num(stored - parts, "vi", True),
                "gap_en": _num(stored - parts, "en", True),
                "gap_pct": None if pct is None else round(pct, 2), **params},
    )  # fmt: skip


def _num(v: float, lang: str, sign: bool = False) -> str:
    from chitieu.fmt import format_number

    text = format_number(v, 2 if abs(v - round(v)) > 1e-9 else 0, lang)
    return ("+" + text) if sign and v > 0 else text


def _period(pid: str) -> Period | None:
    try:
        return parse_period(pid)
    except ChitieuError:
        return None


def nation_findings(values: Values, cat: Catalog) -> list[Finding]:
    """The nation's stored figures against the sum of the provinces stored beside them."""
    groups: dict[tuple[str, str, str], dict[str, float]] = defaultdict(dict)
    for (ind, unit, period, kind), v in values.items():
        if v is not None and ind in cat:
            groups[(ind, period, kind)][unit] = v
    out: list[Finding] = []
    for (ind, period, kind), by_unit in sorted(groups.items()):
        indicator = cat.get(ind)
        p = _period(period)
        if NATION_ID not in by_unit or indicator.units_rule != UnitsRule.SUM or p is None:
            continue
        if indicator.formula:
            continue
        day = p.start if kind == "plan" else p.end  # a plan: the units in charge in January
        reporters = [u.id for u in registry().provinces(day)]
        have = [by_unit[u] for u in reporters if u in by_unit]
        if not have:
            continue
        nation, total = by_unit[NATION_ID], sum(have)
        tol = indicator.consistency.tolerance
        n = {"n": len(have), "expected": len(reporters)}
        if len(have) == len(reporters) and _gap(nation, total, tol):
            out.append(_finding(NATION_TYPE, ind, NATION_ID, period, kind, nation, total, **n))
        elif len(have) < len(reporters) and total > nation * (1 + tol) and nation >= 0:
            out.append(_finding(PARTIAL_TYPE, ind, NATION_ID, period, kind, nation, total, **n))
    return out


def parts_findings(values: Values, cat: Catalog) -> list[Finding]:
    """Each stored aggregate period against what its stored parts make by the time rule."""
    series: dict[tuple[str, str, str], dict[str, float]] = defaultdict(dict)
    for (ind, unit, period, kind), v in values.items():
        if v is not None and kind != "plan" and ind in cat:
            series[(ind, unit, kind)][period] = v
    out: list[Finding] = []
    for (ind, unit, kind), stored in sorted(series.items()):
        indicator = cat.get(ind)
        if indicator.formula or indicator.time_rule == TimeRule.NONE or len(stored) < 2:
            continue
        for period, value in sorted(stored.items()):
            p = _period(period)
            if p is None or p.type == PeriodType.MONTH:
                continue
            others = {q: v for q, v in stored.items() if q != period}
            got = roll_up(others, p, indicator.time_rule)
            if got is not None and _gap(value, got.value, indicator.consistency.tolerance):
                out.append(_finding(PARTS_TYPE, ind, unit, period, kind, value, got.value,
                                    parts_periods=", ".join(got.sources)))  # fmt: skip
    return out


def components_findings(values: Values, cat: Catalog) -> list[Finding]:
    """Each stored total against the sum of its components stored beside it (same unit,
    period and kind, every component stored), with the indicator's tolerance. Not part of
    :func:`consistency_findings`: on a write and in ``chitieu validate`` the balance rule made
    from the catalog (``check.rules.components_rules``) finds these; the report's data-quality
    note reads them here, with which figure the facts use (``analyze/components.py``)."""
    out: list[Finding] = []
    for (ind, unit, period, kind), total in sorted(values.items()):
        indicator = cat.indicators.get(ind)
        if indicator is None or not indicator.components or total is None:
            continue
        parts = [values.get((c, unit, period, kind)) for c in indicator.components]
        if any(v is None for v in parts):
            continue
        got = sum(v for v in parts if v is not None)
        if _gap(total, got, indicator.consistency.tolerance):
            out.append(_finding(COMPONENTS_TYPE, ind, unit, period, kind, total, got,
                                components=", ".join(indicator.components)))  # fmt: skip
    return out


def consistency_findings(values: Values, cat: Catalog | None = None) -> list[Finding]:
    """Every consistency finding over ``values`` (stored values, or new ones laid over them)."""
    cat = cat or catalog()
    return nation_findings(values, cat) + parts_findings(values, cat)
