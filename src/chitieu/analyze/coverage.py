"""What each figure covers, and which comparisons it may be published with.

Every fact carries the coverage of its value (``Fact.coverage``) and of last year's
(``Fact.previous_coverage``): of the units it should cover — the reporters of the period (the
provinces in force at the period's end, or the unit itself when it reports its own figure, as
the ministry does for ``VN``) contained in the fact's unit — which sent every stored period the
figure was made of themselves, which the ministry estimated, and which are missing (with the
period of the figure they are missing from). A figure a unit reports for itself covers that
unit. The cube keeps, per cell, which source units took part, which had a figure for every
period used and which took part with a ministry's estimate (``store/analytics.py``, ``CELL``),
so coverage is read, not recomputed from vintages.

A "what if" (``analyze/whatif.py``) lays hypothetical values over the store's for one read:
they take part as the ministry's estimates do (so a figure with them is complete), and its
coverage names them (``hyp``): "62/63 + 1 giả định" — 62 units reported, 1 hypothesised.

The indicator's coverage rule (``coverage:`` in the catalog, :class:`CoverageRule`) then
decides what is published (:func:`judge`): a complete figure is stated plainly, one covering at
least ``state_from`` % of its units is stated with its coverage, below that it is withheld; a
change is computed only between figures of the same coverage (both complete, or the same units);
% of plan only when the plan covers what the value covers; a share only of a complete national
total by a complete figure; ranks only among complete figures, and only when enough are ranked.
Whatever is withheld is ``None`` in the fact, and ``Fact.withheld`` names the reason, one of
:data:`REASONS` (phrased in ``catalog/data/coverage.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache, cached_property
from importlib.resources import files
from typing import Any

from chitieu.catalog.indicators import CoverageRule
from chitieu.catalog.vocabulary import LAST_OLD_DAY, MERGER_DATE

#: why a figure or a comparison is withheld (phrased in catalog/data/coverage.yaml)
BELOW = "coverage_below_threshold"  # too few of the expected units are covered
INCOMPLETE = "coverage_incomplete"  # the comparison needs a complete figure
DIFFERS = "coverage_differs"  # the two figures compared cover different units
TERRITORY = "territory_differs"  # one is a unit's own figure, the other a partial sum
TOO_FEW = "too_few_to_rank"  # too few comparable units to rank
TOTAL = "total_incomplete"  # a share of a national total that is not complete
NO_BASE = "base_withheld"  # the figure compared with is itself withheld
REASONS = (BELOW, INCOMPLETE, DIFFERS, TERRITORY, TOO_FEW, TOTAL, NO_BASE)
#: the comparisons a fact may have withheld, and the value itself
WITHHELD_FIELDS = ("value", "change_pct", "plan_pct", "share_pct", "rank")


@dataclass(frozen=True, eq=False)
class Coverage:
    """What one figure covers."""

    expected: int  # units it should cover
    missing: tuple[tuple[str, str], ...]  # (unit, period) it lacks
    covered: frozenset[str]  # the units covered (by their own figures or an estimate)
    est: frozenset[str]  # of those, units the ministry estimated (in full or in part)
    own: bool = False  # the unit's own figure for itself (e.g. the ministry's for VN)
    #: of ``est``, units whose figure is a what-if's hypothetical value (never stored data)
    hyp: frozenset[str] = frozenset()

    @property
    def reported(self) -> int:
        """Units whose own figures cover every period used."""
        return len(self.covered) - len(self.est)

    @property
    def estimated(self) -> int:
        """Units the ministry estimated (hypothetical values not counted)."""
        return len(self.est - self.hyp)

    @property
    def hypothetical(self) -> int:
        """Units whose figure is hypothetical (a what-if's)."""
        return len(self.hyp)

    @cached_property
    def complete(self) -> bool:
        """Every expected unit covered (by itself or by the ministry's estimate)."""
        return not self.missing and self.expected > 0

    @property
    def pct(self) -> float:
        """Share of the expected units covered, in %."""
        return 100.0 * len(self.covered) / self.expected if self.expected else 0.0

    def key(self) -> Any:
        """Figures with equal keys are like for like."""
        return "complete" if self.complete else self.covered

    def text(self, lang: str = "vi") -> str:
        """ "33/34": units covered of units expected; with hypothetical values, the units
        covered without them and how many there are ("33/34 + 1 giả định")."""
        if not self.hyp:
            return f"{len(self.covered)}/{self.expected}"
        pattern = _phrases()["hypothetical_short"]["en" if lang == "en" else "vi"]
        return str(pattern).format(covered=len(self.covered) - len(self.hyp),
                                   expected=self.expected, hypothetical=len(self.hyp))  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """The contract's shape (facts.json, the API, ``summary --json``); a what-if's
        coverage adds ``hypothetical`` (how many) and ``hypothetical_units``."""
        out: dict[str, Any] = {
            "expected": self.expected,
            "reported": self.reported,
            "estimated": self.estimated,
            "missing": [{"unit": u, "period": p} for u, p in self.missing],
            "complete": self.complete,
            "own": self.own,
        }
        if self.hyp:
            out.update(hypothetical=len(self.hyp), hypothetical_units=sorted(self.hyp))
        return out


def own_coverage(unit: str, period: str, covered: bool, estimated: bool) -> Coverage:
    """A unit's own figure for itself: it covers the unit (or is missing)."""
    got = frozenset({unit}) if covered else frozenset()
    return _cov(1, () if covered else ((unit, period),), got, got if estimated else frozenset(),
                True)  # fmt: skip


@cache
def _cov(expected: int, missing: tuple[tuple[str, str], ...], covered: frozenset[str],
         est: frozenset[str], own: bool) -> Coverage:  # fmt: skip
    """One shared object per distinct coverage (most facts share a few)."""
    return Coverage(expected, missing, covered, est, own)


def of_units(expected: tuple[str, ...], period: str, covered: frozenset[str],
             estimated: frozenset[str]) -> Coverage:  # fmt: skip
    """The coverage of a figure over ``expected`` units: ``covered`` of them took part with a
    figure for every period used, ``estimated`` of those through the ministry's estimate."""
    got = covered & frozenset(expected)
    missing = tuple((u, period) for u in expected if u not in got)
    return _cov(len(expected), missing, got, estimated & got, False)


def combine(parts: list[Coverage], expected: tuple[str, ...], period: str) -> Coverage:
    """The coverage of a figure made of several figures over the same units (a derived
    indicator from its operands): a unit is covered when every operand covers it."""
    if parts and all(p.own for p in parts):
        covered = all(p.complete for p in parts)
        return own_coverage(next(iter(parts[0].covered | {u for u, _ in parts[0].missing})),
                            period, covered, any(p.est for p in parts))  # fmt: skip
    got = frozenset.intersection(*(p.covered for p in parts)) if parts else frozenset()
    est = frozenset().union(*(p.est for p in parts)) if parts else frozenset()
    return of_units(expected, period, got, est)


def value_ok(cov: Coverage | None, rule: CoverageRule) -> bool:
    """Whether a figure of this coverage may be stated (plainly or with its coverage)."""
    return cov is None or cov.complete or (cov.expected > 0 and cov.pct >= rule.state_from)


def change_reason(now: Coverage | None, before: Coverage | None, rule: CoverageRule) -> str | None:
    """Why a change between two figures is withheld (None: it may be stated)."""
    if now is None or before is None:
        return None
    if not value_ok(before, rule):
        return NO_BASE
    if now.key() == before.key():
        return None
    if now.own != before.own:
        return TERRITORY
    return DIFFERS


def plan_reason(now: Coverage | None, plan: Coverage | None) -> str | None:
    """Why % of plan is withheld: the plan covers other units than the value."""
    if now is None or plan is None or now.key() == plan.key():
        return None
    if now.complete and plan.own:  # the ministry's own plan for the whole nation
        return None
    return DIFFERS


@cache
def _phrases() -> dict[str, Any]:
    from chitieu.catalog.datafiles import load_yaml

    path = files("chitieu.catalog") / "data" / "coverage.yaml"
    return load_yaml(path.read_text(encoding="utf-8")) or {}


def reason_text(reason: str, lang: str = "vi") -> str:
    """Why something is withheld, in ``lang`` (vi or en)."""
    entry = _phrases()["reasons"][reason]
    return str(entry["en" if lang == "en" else "vi"])


def coverage_text(cov: Coverage, lang: str = "vi") -> str:
    """ "33/34 tỉnh, thành phố" / "33 of 34 provinces" (the nation's own figure: "")."""
    if cov.own:
        return ""
    if cov.hyp:  # "62/63 tỉnh, thành phố và 1 giả định"
        pattern = _phrases()["hypothetical"]["en" if lang == "en" else "vi"]
        return str(pattern).format(covered=len(cov.covered) - len(cov.hyp),
                                   expected=cov.expected, hypothetical=len(cov.hyp))  # fmt: skip
    pattern = _phrases()["coverage"]["en" if lang == "en" else "vi"]
    return str(pattern).format(covered=len(cov.covered), expected=cov.expected)


@cache
def reporters_of(start: date, end: date) -> tuple[str, ...]:
    """The provinces that report a period from ``start`` to ``end``: the 63 before the merger,
    the 34 after, both for a period across it (the old for its part before, the new after)."""
    from chitieu.catalog.units import registry

    reg = registry()
    if start < MERGER_DATE <= end:
        return tuple(u.id for u in (*reg.provinces(LAST_OLD_DAY), *reg.provinces(MERGER_DATE)))
    return tuple(u.id for u in reg.provinces(end))
