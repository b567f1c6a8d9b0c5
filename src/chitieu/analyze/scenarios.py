"""The scenarios of a what-if (``analyze/whatif.py``), and the hypotheses a shell was asked for.

- :func:`ministry_estimate`: the newest estimate the ministry made of the unit's figures (a
  vintage of kind estimate made by a method, recorded at or before ``as_of``), even one the
  unit's own figures have superseded since; without ``indicators``, every indicator the
  ministry estimated for the unit in the period;
- :func:`last_year_share`: the unit's share of the nation in the same period last year,
  applied to this period. With R the other units that reported the period themselves
  (complete figures, not estimated by the ministry) and have last year's figure too, x the
  unit's last-year figure and s = x / (x + Σ_R last year) its share of the nation then::

      value = s / (1 − s) × Σ_R this year  =  x × Σ_R this year / Σ_R last year

  i.e. the unit keeps its share among the same units (its last-year figure moves as theirs
  moved), rounded to the indicator's decimals as a unit reports it. The figures are the
  facts of the period on the boundaries it was reported on (``analyze.facts``, a unit per
  reporter). Additive indicators only (``units_rule: sum``); without ``indicators``, every
  additive indicator the unit has not reported itself for the period (missing, or estimated
  by the ministry): what a late unit lacks.

:func:`asked` turns what a shell was given — triples of unit, indicator and value (texts), or
a scenario and a unit — into hypotheses: units by id, code or name among the period's
reporters, indicators by code (an unknown one names the closest codes), numbers in
Vietnamese or English writing (one that reads two ways is refused).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from chitieu.analyze.coverage import reporters_of
from chitieu.analyze.facts import FactSet, load
from chitieu.analyze.rounding import round_half_up
from chitieu.analyze.whatif import MAX_HYPOTHESES, Hypothesis, WhatIfError
from chitieu.catalog.indicators import Catalog, UnitsRule, catalog
from chitieu.catalog.instants import iso
from chitieu.catalog.periods import Period, parse_period
from chitieu.catalog.units import registry
from chitieu.catalog.vocabulary import NATION_ID, Boundaries, Kind
from chitieu.errors import NumberFormatError
from chitieu.store.values import Store

#: the scenarios' names (the CLI's --scenario, the API's scenario=)
SCENARIOS = ("last-year-share", "ministry-estimate")


def reporter(text: str, p: Period) -> str:
    """The id of the unit ``text`` names (an id, code or name) among the reporters of ``p``."""
    unit = registry().resolve(text, p.end)
    if unit.id == NATION_ID or unit.id not in reporters_of(p.start, p.end):
        raise WhatIfError(code="whatif-not-reporter", unit=text, period=p.id)
    return unit.id


def scenario(
    store: Store,
    name: str,
    period: str | Period,
    unit: str,
    indicators: Sequence[str] | None = None,
    *,
    as_of: datetime | None = None,
    cat: Catalog | None = None,
) -> list[Hypothesis]:
    """The hypotheses of scenario ``name`` (:data:`SCENARIOS`) for ``unit``."""
    if name == "last-year-share":
        return last_year_share(store, period, unit, indicators, as_of=as_of, cat=cat)
    if name == "ministry-estimate":
        return ministry_estimate(store, period, unit, indicators, as_of=as_of, cat=cat)
    raise WhatIfError(code="whatif-scenario", text=name, known=", ".join(SCENARIOS))


def _own_facts(store: Store, p: Period, codes: Sequence[str] | None,
               as_of: datetime | None, cat: Catalog) -> FactSet:  # fmt: skip
    """The facts of ``p`` on the boundaries it was reported on (a unit per reporter)."""
    return load(store, [p], Boundaries.AS_REPORTED, as_of, indicators=codes, cat=cat).facts(
        p, codes
    )


def _lacking(got: FactSet, unit: str, cat: Catalog) -> list[str]:
    """Indicators stored as such that ``unit`` has not reported itself: missing, or estimated
    by the ministry."""
    out = []
    for ind in cat:
        f = got.get(ind.code, unit)
        if ind.formula or f is None:
            continue
        cov = f.coverage
        if f.value is None or cov is None or not cov.complete or cov.est:
            out.append(ind.code)
    return out


def _chosen(got: FactSet, unit: str, indicators: Sequence[str] | None, cat: Catalog,
            p: Period, scenario_name: str) -> list[str]:  # fmt: skip
    if indicators is not None:
        return [cat.get(c).code for c in indicators]
    codes = _lacking(got, unit, cat)
    if not codes:
        raise WhatIfError(code="whatif-nothing", unit=unit, period=p.id, scenario=scenario_name)
    return codes


def last_year_share(
    store: Store,
    period: str | Period,
    unit: str,
    indicators: Sequence[str] | None = None,
    *,
    as_of: datetime | None = None,
    cat: Catalog | None = None,
) -> list[Hypothesis]:
    """The unit's figures if it kept its share of the nation of the same period last year
    (the module's docstring gives the arithmetic)."""
    p, cat = _period(period), cat or catalog()
    uid = reporter(unit, p)
    for code in indicators or ():
        _additive(cat, code)
    got = _own_facts(store, p, None, as_of, cat)
    codes = _chosen(got, uid, indicators, cat, p, "last-year-share")
    out = []
    for code in codes:
        if indicators is None and cat.get(code).units_rule != UnitsRule.SUM:
            continue  # a rate or a ratio has no share
        _additive(cat, code)
        out.append(_share(got, code, uid, p, cat))
    if not out:
        raise WhatIfError(code="whatif-nothing", unit=uid, period=p.id, scenario="last-year-share")
    return out


def _additive(cat: Catalog, code: str) -> None:
    ind = cat.get(code)
    if ind.formula:
        raise WhatIfError(code="whatif-derived", indicator=ind.code,
                          operands=", ".join(ind.operands))  # fmt: skip
    if ind.units_rule != UnitsRule.SUM:
        raise WhatIfError(code="whatif-not-additive", indicator=ind.code)


def _share(got: FactSet, code: str, uid: str, p: Period, cat: Catalog) -> Hypothesis:
    """The last-year-share hypothesis of one indicator, rounded to the indicator's decimals
    (as a unit would report it)."""
    mine = got.get(code, uid)
    last = mine.previous if mine is not None else None
    prev = p.same_period_last_year().id
    if last is None:
        raise WhatIfError(code="whatif-no-share", unit=uid, indicator=code, period=prev)
    now_r = last_r = 0.0
    n = 0
    for f in got.of_indicator(code):
        cov = f.coverage
        if f.unit in (uid, NATION_ID) or f.value is None or f.previous is None:
            continue
        if cov is None or not cov.complete or cov.est:
            continue  # only figures the units reported themselves
        now_r, last_r, n = now_r + f.value, last_r + f.previous, n + 1
    if not n or last_r <= 0:
        raise WhatIfError(code="whatif-no-share", unit=uid, indicator=code, period=prev)
    share = last / (last + last_r)
    basis = {
        "period_last_year": prev,
        "unit_last_year": last,
        "others_last_year": last_r,
        "others_this_year": now_r,
        "others": n,
        "share_last_year_pct": round(share * 100, 4),
    }
    value = round_half_up(last * now_r / last_r, cat.get(code).decimals)
    return Hypothesis(code, uid, float(value or 0.0), "last_year_share", basis)


def ministry_estimate(
    store: Store,
    period: str | Period,
    unit: str,
    indicators: Sequence[str] | None = None,
    *,
    as_of: datetime | None = None,
    cat: Catalog | None = None,
) -> list[Hypothesis]:
    """The newest estimate the ministry made of the unit's figures (a vintage of kind
    estimate with a method, recorded at or before ``as_of``), for ``indicators`` or every
    indicator it estimated."""
    p, cat = _period(period), cat or catalog()
    uid = reporter(unit, p)
    codes = (
        [cat.get(c).code for c in indicators]
        if indicators is not None
        else [i.code for i in cat if not i.formula]
    )
    out = []
    for code in codes:
        found = _estimate(store, code, uid, p.id, as_of)
        if found is not None:
            out.append(found)
        elif indicators is not None:
            raise WhatIfError(code="whatif-no-estimate", unit=uid, indicator=code, period=p.id)
    if not out:
        raise WhatIfError(code="whatif-no-estimates", unit=uid, period=p.id)
    return out


def _estimate(store: Store, code: str, uid: str, period: str,
              as_of: datetime | None) -> Hypothesis | None:  # fmt: skip
    made = [
        o
        for o in store.history(code, uid, period, Kind.ESTIMATE)
        if o.method and (as_of is None or o.created_at <= as_of)
    ]
    value = made[-1].value if made else None
    if value is None:
        return None
    o = made[-1]
    basis = {"method": o.method, "recorded_at": iso(o.created_at), "vintage": o.id}
    return Hypothesis(code, uid, float(value), "ministry_estimate", basis)


def _period(q: str | Period) -> Period:
    return q if isinstance(q, Period) else parse_period(str(q))


# --- what a shell was asked ------------------------------------------------------------------


def asked(
    store: Store,
    period: str | Period,
    *,
    units: Sequence[str] = (),
    indicators: Sequence[str] = (),
    values: Sequence[str | float] = (),
    scenario_name: str | None = None,
    as_of: datetime | None = None,
    cat: Catalog | None = None,
) -> list[Hypothesis]:
    """The hypotheses a shell was given: ``values`` with as many ``indicators`` and one unit
    for all or one each; or a scenario for one unit (of ``indicators`` if given)."""
    p, cat = _period(period), cat or catalog()
    if max(len(units), len(indicators), len(values)) > MAX_HYPOTHESES:
        raise WhatIfError(code="whatif-too-many", n=max(len(values), len(indicators)),
                          most=MAX_HYPOTHESES)  # fmt: skip
    if scenario_name is not None:
        if values or len(units) != 1:
            raise WhatIfError(code="whatif-incomplete")
        return scenario(store, scenario_name, p, units[0], list(indicators) or None,
                        as_of=as_of, cat=cat)  # fmt: skip
    if not (units or indicators or values):
        raise WhatIfError(code="whatif-none")
    if len(indicators) != len(values) or len(units) not in (1, len(values)):
        raise WhatIfError(code="whatif-incomplete")
    each = list(units) * len(values) if len(units) == 1 else list(units)
    return [
        Hypothesis(cat.get(i).code, reporter(u, p), number(v))
        for u, i, v in zip(each, indicators, values, strict=True)
    ]


def number(text: str | float) -> float:
    """A value as typed: in Vietnamese or English writing (one that reads two ways refused)."""
    from chitieu.collect.numbers import parse_number

    try:
        return parse_number(text).value
    except NumberFormatError:
        raise WhatIfError(code="whatif-value-unreadable", text=str(text)) from None
