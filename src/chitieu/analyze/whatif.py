"""What if a late unit's figures were …: the facts with hypothetical values, nothing written.

Before and during a review's conference an analyst asks "what if An Giang's late figures come
in?". :func:`facts_with` gives the facts of a period — the same :class:`~chitieu.analyze.facts.
FactSet` as ``analyze.facts``, with coverage, what is withheld and the estimate marks —
computed as if each :class:`Hypothesis` were stored: the hypothetical value takes the place of
whatever its unit stored for the period (actual or estimate), as an estimate made by a method
(``analyze/overlay.py``: the figures it changes are computed again by the cube's own rules and
spliced into the slices the facts are assembled from; no figure is computed twice). Nothing is
written: no vintage, no batch, no slab, no cube; the store's data version is unchanged, and the
fact sets are not kept in the process's cache.

A hypothetical value is marked so no output can take it for data: the coverage of every figure
it feeds names it (``Coverage.hyp``: "62/63 + 1 giả định", ``hypothetical`` and
``hypothetical_units`` in its JSON), the fact's ``extra["hypothetical"]`` lists the units, and
its kind is "estimate". The report's sentences under the hypotheses are ``report/whatif.py``;
the shells are ``chitieu whatif`` (``cli/whatif_cmds.py``) and ``GET /api/v1/whatif``
(``web/routes/whatif.py``).

Hypotheses are set on the units that report the period (before 1 July 2025 the 63 former
provinces: An Giang is ``89@63`` in 2023), for indicators stored as such (a derived indicator
follows from its operands). Three ways to make them:

- :class:`Hypothesis` ``(indicator, unit, value)``: a value given;
- :func:`ministry_estimate`: the newest estimate the ministry made for the unit (a vintage of
  kind estimate made by a method, at or before ``as_of``), even one the unit's own figures
  have superseded since;
- :func:`last_year_share`: the unit's share of the nation in the same period last year applied
  to this period. With R the other units that reported the period themselves (complete
  figures, not estimated by the ministry) and also have last year's figure, x the unit's
  last-year figure, s = x / (x + Σ_R last year) its share of the nation then:

      value = s / (1 − s) × Σ_R this year  =  x × Σ_R this year / Σ_R last year

  i.e. the unit keeps its share among the same units (its last-year figure moved as theirs
  moved). Only for additive indicators (``units_rule: sum``).

Without ``indicators`` the last-year share covers every additive indicator the unit has not
reported itself for the period (missing, or estimated by the ministry): what a late unit lacks;
the ministry's estimate covers every indicator the ministry estimated for the unit.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chitieu.analyze.coverage import reporters_of
from chitieu.analyze.facts import Fact, FactSet, load
from chitieu.analyze.overlay import Laid
from chitieu.analyze.rounding import round_half_up
from chitieu.catalog.indicators import Catalog, UnitsRule, catalog
from chitieu.catalog.periods import Period, parse_period
from chitieu.catalog.units import registry
from chitieu.catalog.vocabulary import NATION_ID, Boundaries, Kind
from chitieu.errors import Invalid
from chitieu.store.values import Store

__all__ = [
    "SCENARIOS",
    "Hypothesis",
    "WhatIfError",
    "facts_with",
    "last_year_share",
    "ministry_estimate",
    "reporter",
    "scenario",
]

#: how many hypotheses one what-if may lay (a request's limit)
MAX_HYPOTHESES = 200


class WhatIfError(Invalid):
    """A what-if that cannot be made (codes ``whatif-*`` of errors.yaml): a usage error (exit
    2), and 422 on the web, whose body carries the message in both languages."""

    exit_code = 2

    @property
    def extra(self) -> dict[str, Any]:
        """Both languages' message and hint (the API's error body, as ``--json`` has it)."""
        return {
            "text": {
                lang: dict(zip(("error", "hint"), self.text(lang), strict=True))
                for lang in ("vi", "en")
            }
        }


@dataclass(frozen=True)
class Hypothesis:
    """A hypothetical value of ``indicator`` for ``unit`` (a reporter of the period, by id) in
    the what-if's period, and how it was made."""

    indicator: str
    unit: str
    value: float
    #: given | last_year_share | ministry_estimate
    source: str = "given"
    #: the figures it was made from (the scenario's arithmetic)
    basis: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"indicator": self.indicator, "unit": self.unit, "value": self.value,
                "source": self.source, "basis": dict(self.basis)}  # fmt: skip


# --- the facts with hypotheses ---------------------------------------------------------------


def facts_with(
    store: Store,
    period: str | Period,
    hypotheses: Sequence[Hypothesis],
    *,
    boundaries: Boundaries | str = Boundaries.CURRENT,
    as_of: datetime | None = None,
    indicators: Iterable[str] | None = None,
    cat: Catalog | None = None,
) -> FactSet:
    """The facts of ``period`` (as of ``as_of``) as if ``hypotheses`` were stored; nothing is
    written. Each figure a hypothesis feeds names it in its coverage and ``extra``."""
    p = _period(period)
    cat = cat or catalog()
    check(p, hypotheses, cat)
    laid: dict[tuple[int, str], tuple[tuple[str, str, float], ...]] = {}
    for h in hypotheses:
        key = (p.year, h.indicator)
        laid[key] = (*laid.get(key, ()), (h.unit, p.id, h.value))
    wanted = list(indicators) if indicators is not None else None
    loaded = load(store, [p], boundaries, as_of, indicators=wanted, cat=cat, laid=Laid(laid))
    return mark(loaded.facts(p, wanted), hypotheses, cat)


def check(p: Period, hypotheses: Sequence[Hypothesis], cat: Catalog) -> None:
    """Each hypothesis names an indicator stored as such, a reporter of ``p``, a value in the
    indicator's domain, once."""
    if not hypotheses:
        raise WhatIfError(code="whatif-none")
    if len(hypotheses) > MAX_HYPOTHESES:
        raise WhatIfError(code="whatif-too-many", n=len(hypotheses), most=MAX_HYPOTHESES)
    seen: set[tuple[str, str]] = set()
    reporters = set(reporters_of(p.start, p.end))
    for h in hypotheses:
        ind = cat.get(h.indicator)
        if ind.formula:
            raise WhatIfError(code="whatif-derived", indicator=ind.code,
                              operands=", ".join(ind.operands))  # fmt: skip
        if h.unit not in reporters:
            raise WhatIfError(code="whatif-not-reporter", unit=h.unit, period=p.id)
        if not (math.isfinite(h.value) and h.value in ind.domain):
            rng = {lang: ind.domain.describe(lang) for lang in ("vi", "en")}
            raise WhatIfError(code="whatif-value", value=h.value, indicator=ind.code, range=rng)
        if (h.indicator, h.unit) in seen:
            raise WhatIfError(code="whatif-duplicate", indicator=ind.code, unit=h.unit)
        seen.add((h.indicator, h.unit))


def mark(got: FactSet, hypotheses: Sequence[Hypothesis], cat: Catalog) -> FactSet:
    """``got`` with every figure a hypothesis feeds marked: its coverage names the
    hypothetical units (``hyp``), its ``extra["hypothetical"]`` lists them."""
    direct: dict[str, set[str]] = {}
    for h in hypotheses:
        direct.setdefault(h.indicator, set()).add(h.unit)
    feeds = {ind.code: frozenset(_fed(cat, ind.code, direct)) for ind in cat}
    items = [_marked(f, feeds.get(f.indicator, frozenset())) for f in got]
    return FactSet(got.period, got.boundaries, got.as_of, tuple(items))


def _fed(cat: Catalog, code: str, direct: Mapping[str, set[str]]) -> set[str]:
    """Units hypothesised for ``code`` or any of its operands."""
    ind = cat.get(code)
    out = set(direct.get(code, ()))
    for op in ind.operands if ind.formula else ():
        out |= _fed(cat, op, direct)
    return out


def _marked(f: Fact, units: frozenset[str]) -> Fact:
    if not units:
        return f
    changes: dict[str, Any] = {}
    for name in ("coverage", "cumulative_coverage"):  # last year's figure has none
        cov = getattr(f, name)
        if cov is not None and (hyp := cov.est & units):
            changes[name] = dataclasses.replace(cov, hyp=hyp)
    if not changes:
        return f
    hyp = sorted(frozenset().union(*(c.hyp for c in changes.values())))
    return dataclasses.replace(f, **changes, extra={**f.extra, "hypothetical": hyp})


# --- the scenarios ---------------------------------------------------------------------------

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
    basis = {"method": o.method, "recorded_at": o.created_at.isoformat(), "vintage": o.id}
    return Hypothesis(code, uid, float(value), "ministry_estimate", basis)


def _period(q: str | Period) -> Period:
    return q if isinstance(q, Period) else parse_period(str(q))
