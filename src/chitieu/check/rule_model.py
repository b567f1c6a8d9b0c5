"""The validation rule model: operators, missing-value strategies, sides, rules, rule sets."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from simpleeval import SimpleEval

from chitieu.catalog.indicators import slack
from chitieu.catalog.vocabulary import Kind
from chitieu.check.findings import Severity

_LOCAL = threading.local()


def _evaluator() -> SimpleEval:
    """One evaluator per thread (creating one costs more than evaluating a rule)."""
    ev = getattr(_LOCAL, "ev", None)
    if ev is None:
        ev = _LOCAL.ev = SimpleEval(functions={})
    return ev


class Operator(StrEnum):
    """How the two sides of a rule compare (DHIS2's operators)."""

    EQUAL_TO = "equal_to"
    NOT_EQUAL_TO = "not_equal_to"
    GREATER_THAN = "greater_than"
    GREATER_THAN_OR_EQUAL_TO = "greater_than_or_equal_to"
    LESS_THAN = "less_than"
    LESS_THAN_OR_EQUAL_TO = "less_than_or_equal_to"
    COMPULSORY_PAIR = "compulsory_pair"  # both sides reported, or neither
    EXCLUSIVE_PAIR = "exclusive_pair"  # never both sides reported

    @property
    def is_pair(self) -> bool:
        """True for the presence operators (compulsory and exclusive pairs)."""
        return self in (Operator.COMPULSORY_PAIR, Operator.EXCLUSIVE_PAIR)


#: operator signs used in messages
SIGNS = {
    Operator.EQUAL_TO: "=",
    Operator.NOT_EQUAL_TO: "≠",
    Operator.GREATER_THAN: ">",
    Operator.GREATER_THAN_OR_EQUAL_TO: "≥",
    Operator.LESS_THAN: "<",
    Operator.LESS_THAN_OR_EQUAL_TO: "≤",
    Operator.COMPULSORY_PAIR: "⇔",
    Operator.EXCLUSIVE_PAIR: "⊕",
}


class Missing(StrEnum):
    """What to do when operands of a side have no value (DHIS2's missing-value strategies)."""

    SKIP_IF_ANY_VALUE_MISSING = "SKIP_IF_ANY_VALUE_MISSING"
    SKIP_IF_ALL_VALUES_MISSING = "SKIP_IF_ALL_VALUES_MISSING"  # others count as 0
    NEVER_SKIP = "NEVER_SKIP"  # missing operands count as 0


class Level(StrEnum):
    """Unit levels a rule applies to."""

    NATION = "nation"
    PROVINCE = "province"


@dataclass(frozen=True)
class Side:
    """One side of a rule: an expression over indicator codes, checked and parsed once."""

    text: str  # as written
    expr: str  # with components() and derived indicators expanded
    operands: tuple[str, ...]
    tree: Any = field(compare=False, repr=False)
    missing: Missing = Missing.SKIP_IF_ANY_VALUE_MISSING

    def value(self, values: Mapping[str, float]) -> tuple[float | None, bool]:
        """(value, present): None when the missing-value strategy says skip."""
        have = [o for o in self.operands if o in values]
        present = bool(have)
        if len(have) < len(self.operands):
            if self.missing == Missing.SKIP_IF_ANY_VALUE_MISSING:
                return None, present
            if self.missing == Missing.SKIP_IF_ALL_VALUES_MISSING and not have:
                return None, present
        ev = _evaluator()
        ev.names = {o: values.get(o, 0.0) for o in self.operands}
        try:
            return float(ev.eval(self.expr, previously_parsed=self.tree)), True
        except ZeroDivisionError:
            return None, present


@dataclass(frozen=True)
class Rule:
    """A validation rule: ``left operator right`` with its scope and importance."""

    id: str
    name: dict[str, str]
    left: Side
    operator: Operator
    right: Side
    importance: Severity = Severity.ERROR
    tolerance: float = 0.0  # relative, e.g. 0.005 = within 0,5%
    tolerance_abs: float = 0.0
    period_types: frozenset[str] = frozenset()  # empty: every period type
    levels: frozenset[str] = frozenset()  # empty: nation and provinces
    kinds: frozenset[str] = frozenset({Kind.ACTUAL, Kind.ESTIMATE})
    source: str = ""
    #: title, message, hint {vi, en} of the rule's findings
    messages: dict[str, dict[str, str]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def operands(self) -> tuple[str, ...]:
        """Every indicator code the rule reads."""
        return tuple(dict.fromkeys((*self.left.operands, *self.right.operands)))

    @property
    def needs_values(self) -> bool:
        """True when the rule cannot fail unless one of its operands has a value."""
        if self.operator.is_pair:
            return True
        return not (self.left.missing == self.right.missing == Missing.NEVER_SKIP)

    def applies(self, period_type: str, level: str, kind: str) -> bool:
        """Whether the rule is evaluated for a period type, unit level and kind."""
        return (
            (not self.period_types or period_type in self.period_types)
            and (not self.levels or level in self.levels)
            and kind in self.kinds
        )

    def slack(self, a: float, b: float) -> float:
        """How far apart the sides may be and still count as equal."""
        return slack(a, b, self.tolerance, self.tolerance_abs)

    def holds(self, a: float, b: float) -> bool:
        """Whether ``a operator b`` holds, within the tolerance."""
        d, s = a - b, self.slack(a, b)
        match self.operator:
            case Operator.EQUAL_TO:
                return abs(d) <= s
            case Operator.NOT_EQUAL_TO:
                return abs(d) > s
            case Operator.GREATER_THAN:
                return d > -s if s else d > 0
            case Operator.GREATER_THAN_OR_EQUAL_TO:
                return d >= -s
            case Operator.LESS_THAN:
                return d < s if s else d < 0
            case Operator.LESS_THAN_OR_EQUAL_TO:
                return d <= s
        raise AssertionError(self.operator)  # pragma: no cover

    def __repr__(self) -> str:
        return f"<Rule {self.id}: {self.left.text} {SIGNS[self.operator]} {self.right.text}>"


@dataclass(frozen=True)
class OutlierSettings:
    """Thresholds of the outlier checks (defaults, overridden per indicator)."""

    z_threshold: float = 3.5  # modified z-score (Iglewicz and Hoaglin)
    history: int = 8  # past periods of the same type looked at
    min_history: int = 4  # fewer past values: no z-score
    max_change_pct: float | None = 50.0  # |change vs same period last year| above: warning


@dataclass(frozen=True)
class RuleSet:
    """The rules in force and the outlier settings."""

    rules: tuple[Rule, ...]
    outliers: dict[str, OutlierSettings]  # "" = defaults
    sources: tuple[str, ...] = ()

    def outlier_settings(self, indicator: str) -> OutlierSettings:
        """Settings for one indicator."""
        return self.outliers.get(indicator) or self.outliers[""]

    def get(self, rule_id: str) -> Rule:
        """The rule with this id."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)
