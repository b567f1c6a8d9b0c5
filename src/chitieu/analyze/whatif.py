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
follows from its operands), at most :data:`MAX_HYPOTHESES`. Three ways to make them:
:class:`Hypothesis` ``(indicator, unit, value)``, a value given; and the scenarios of
``analyze/scenarios.py`` — ``ministry_estimate`` (the newest estimate the ministry made for the
unit) and ``last_year_share`` (the unit's share of the nation in the same period last year
applied to this period; the arithmetic is in that module's docstring). ``scenarios.asked``
reads what a shell was given (units, indicators and values as texts, or a scenario).

Usage::

    from chitieu.analyze.scenarios import last_year_share
    from chitieu.analyze.whatif import Hypothesis, facts_with

    hs = [Hypothesis("ICT_REVENUE", "89@63", 18817.0)]
    hs = last_year_share(store, "2023S1", "An Giang", as_of=t)  # or a scenario's
    after = facts_with(store, "2023S1", hs, as_of=t)  # a FactSet, as analyze.facts gives
    after.get("ICT_REVENUE", "VN").coverage.text()    # "62/63 + 1 giả định"
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chitieu.analyze.components import COMPONENTS
from chitieu.analyze.coverage import reporters_of
from chitieu.analyze.facts import Fact, FactSet, load
from chitieu.analyze.overlay import Laid
from chitieu.catalog.indicators import Catalog, catalog
from chitieu.catalog.periods import Period, parse_period
from chitieu.catalog.units import registry
from chitieu.catalog.vocabulary import Boundaries, system_for
from chitieu.errors import Invalid
from chitieu.store.values import Store

__all__ = ["MAX_HYPOTHESES", "MAX_VALUE", "Hypothesis", "WhatIfError", "facts_with"]

#: how many hypotheses one what-if may lay (a request's limit)
MAX_HYPOTHESES = 200
#: the largest hypothetical value (in its indicator's measure; the largest real figure, the
#: population, is ~10⁸): beyond it the comparisons computed from it would lose their digits
MAX_VALUE = 1e12


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
    got = mark(loaded.facts(p, wanted), hypotheses, cat)
    _took_part(got, hypotheses, Boundaries(boundaries))
    return got


def _took_part(got: FactSet, hypotheses: Sequence[Hypothesis], boundaries: Boundaries) -> None:
    """Each hypothesis feeds its unit's figure (shown under the unit of the facts' boundaries
    that contains it). One does not when the period's figure is made of parts that unit, or a
    unit shown with it, stored (the halves of a year): it is refused, never silently left out."""
    system = system_for(got.period.end, boundaries)
    for h in hypotheses:
        target = registry().on_boundaries(h.unit, system)
        f = got.get(h.indicator, target)
        if f is None and all(x.indicator != h.indicator for x in got):
            continue  # an indicator this read leaves out
        if f is None or f.coverage is None or h.unit not in f.coverage.hyp:
            raise WhatIfError(code="whatif-not-used", unit=h.unit, indicator=h.indicator,
                              period=got.period.id)  # fmt: skip


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
        if abs(h.value) > MAX_VALUE:
            raise WhatIfError(code="whatif-value-large", value=h.value, indicator=ind.code,
                              most=f"{MAX_VALUE:g}")  # fmt: skip
        if (h.indicator, h.unit) in seen:
            raise WhatIfError(code="whatif-duplicate", indicator=ind.code, unit=h.unit)
        seen.add((h.indicator, h.unit))


def mark(got: FactSet, hypotheses: Sequence[Hypothesis], cat: Catalog) -> FactSet:
    """``got`` with every figure a hypothesis feeds marked: its coverage names the
    hypothetical units (``hyp``), its ``extra["hypothetical"]`` lists them."""
    direct: dict[str, set[str]] = {}
    for h in hypotheses:
        direct.setdefault(h.indicator, set()).add(h.unit)
    system = system_for(got.period.end, Boundaries(got.boundaries))
    feeds = _Feeds(cat, direct, got, {h.unit: registry().on_boundaries(h.unit, system)
                                      for h in hypotheses})  # fmt: skip
    items = [_marked(f, feeds.of(f.indicator, f.unit)) for f in got]
    return FactSet(got.period, got.boundaries, got.as_of, tuple(items))


class _Feeds:
    """The hypothetical units that may feed each figure: those hypothesised for its indicator,
    for any of its operands, and for any of its components where the total's figure is their
    sum (``consistency: components``: the fact of the unit shown for the hypothesised one, or
    the figure's own, has ``source == "components"``). A figure is marked only with those
    its coverage holds (:func:`_marked`)."""

    def __init__(self, cat: Catalog, direct: Mapping[str, set[str]], got: FactSet,
                 target: Mapping[str, str]) -> None:  # fmt: skip
        self.cat, self.direct, self.target = cat, direct, target
        self.sums = {(f.indicator, f.unit) for f in got if f.source == COMPONENTS}
        self._memo: dict[tuple[str, str], frozenset[str]] = {}

    def of(self, code: str, unit: str) -> frozenset[str]:
        """Units hypothesised that may feed ``code``'s figure for ``unit``."""
        key = (code, unit)
        if key not in self._memo:
            ind = self.cat.get(code)
            out = set(self.direct.get(code, ()))
            for op in ind.operands if ind.formula else ():
                out |= self.of(op, unit)
            for c in ind.components:
                out |= {u for u in self.of(c, unit)
                        if key in self.sums or (code, self.target[u]) in self.sums}  # fmt: skip
            self._memo[key] = frozenset(out)
        return self._memo[key]


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


def _period(q: str | Period) -> Period:
    return q if isinstance(q, Period) else parse_period(str(q))
