"""The indicator catalog: YAML data shipped in the package, checked when it is loaded.

Users may add their own catalog files through ``CHITIEU_CATALOG`` (paths separated by
``os.pathsep``); an indicator code defined twice is an error, not a silent override.
"""

from __future__ import annotations

import ast
import dataclasses
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from chitieu.catalog.datafiles import data_files, read_mapping
from chitieu.catalog.domains import MISSING, SIGNED, Domain, parse_domain
from chitieu.catalog.periods import TimeRule
from chitieu.errors import CatalogError, UnknownCode

#: libyaml's parser when PyYAML has it (several times faster), else the pure-Python one
_EXPECT = "'indicators' (and 'measures', 'groups')"

LANGS = ("vi", "en")
#: how a missing or unclosed figure may be estimated (analyze/estimate.py implements them)
ESTIMATION_METHODS = ("same_period_ratio", "seasonal_share", "ratio_of_means", "carry_forward")
_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,63}$")


class UnitsRule(StrEnum):
    """How an indicator aggregates over reporting units."""

    SUM = "sum"
    RECOMPUTE = "recompute"  # evaluate the formula on aggregated components
    NONE = "none"


class Direction(StrEnum):
    """Whether a higher value is better."""

    HIGHER_BETTER = "higher_better"
    LOWER_BETTER = "lower_better"
    NEUTRAL = "neutral"


class ValueType(StrEnum):
    """The kind of number an indicator holds."""

    NUMBER = "number"
    INTEGER = "integer"
    PERCENT = "percent"


@dataclass(frozen=True)
class CoverageRule:
    """What an indicator's figures need to be published (``coverage:`` in the catalog).

    A figure that covers every unit and sub-period it should is stated plainly; one that
    covers at least ``state_from`` % of its expected units is stated with its coverage; below
    that it is withheld. Ranks are given only among units whose figures are complete, and only
    when at least ``rank_min`` units and ``rank_from`` % of the units shown are ranked.
    """

    state_from: float = 50.0
    rank_min: int = 3
    rank_from: float = 50.0


@dataclass(frozen=True)
class ConsistencyRule:
    """How an indicator's figures are checked across levels and periods (``consistency:``).

    ``tolerance`` is the relative gap allowed between a stored aggregate (the nation, a half,
    a 9-month figure, a total) and the sum of its parts (0.005 = 0,5%); ``prefer`` says which
    the facts use when a stored aggregate (the nation, a period) and its parts (the provinces,
    the sub-periods) disagree beyond it: ``stored`` (the aggregate as reported, the default)
    or ``parts`` (the sum of the parts). ``components`` says the same for an indicator with
    ``components:`` when its own figure and the sum of its components' disagree: ``total``
    (the total as reported, the default) or ``components`` (the sum of the components).
    """

    tolerance: float = 0.005
    prefer: str = "stored"
    components: str = "total"


def slack(a: float, b: float, tolerance: float, tolerance_abs: float = 0.0) -> float:
    """How far apart two figures may be and still agree: ``tolerance`` of the larger in
    absolute value (0.005 = 0,5%), or ``tolerance_abs`` if that is more."""
    return max(tolerance_abs, tolerance * max(abs(a), abs(b)))


def within(a: float, b: float, tolerance: float, tolerance_abs: float = 0.0) -> bool:
    """Whether two figures agree within the tolerance (:func:`slack`): the one test of every
    consistency check (a total against its components, the nation against its provinces, a
    period against its parts) and of a validation rule's ``equal_to``."""
    return abs(a - b) <= slack(a, b, tolerance, tolerance_abs)


PREFER = ("stored", "parts")
#: the choices of each of a rule's words (``consistency: prefer``, ``consistency: components``)
CHOICES = {"prefer": PREFER, "components": ("total", "components")}


@dataclass(frozen=True)
class Text:
    """A label in Vietnamese and English."""

    vi: str
    en: str

    def __call__(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi


@dataclass(frozen=True)
class Indicator:
    """One statistical indicator and how it behaves in aggregation and in reports."""

    code: str
    name: Text
    measure: str
    value_type: ValueType
    decimals: int
    units_rule: UnitsRule
    time_rule: TimeRule
    direction: Direction
    group: str
    templates: Text
    domain: Domain = SIGNED
    components: tuple[str, ...] = ()
    formula: str | None = None
    phrasing: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    estimation: tuple[str, ...] = ()  # estimation methods to try, in order
    coverage: CoverageRule = CoverageRule()
    consistency: ConsistencyRule = ConsistencyRule()

    @property
    def operands(self) -> tuple[str, ...]:
        """Indicator codes the formula reads, in order of appearance."""
        if not self.formula:
            return ()
        names = [
            n.id for n in ast.walk(ast.parse(self.formula, mode="eval")) if isinstance(n, ast.Name)
        ]
        return tuple(dict.fromkeys(names))

    @property
    def is_derived(self) -> bool:
        """True when the value is computed from other indicators rather than reported."""
        return self.formula is not None

    def __repr__(self) -> str:
        return f"<Indicator {self.code}>"


@dataclass(frozen=True)
class Catalog:
    """Indicators, units of measure and sector groups, keyed by code."""

    indicators: dict[str, Indicator]
    measures: dict[str, Text]
    groups: dict[str, Text]
    sources: tuple[str, ...]

    def __iter__(self) -> Iterator[Indicator]:
        return iter(self.indicators.values())

    def __len__(self) -> int:
        return len(self.indicators)

    def __contains__(self, code: object) -> bool:
        return code in self.indicators

    def get(self, code: str) -> Indicator:
        """The indicator with this code; an UnknownCode error (exit 2) naming the closest
        codes otherwise."""
        try:
            return self.indicators[code]
        except KeyError:
            raise UnknownCode(**unknown("indicator", code, list(self.indicators))) from None

    def measure(self, ind: Indicator, lang: str) -> str:
        """The unit of measure of an indicator in a language."""
        return self.measures[ind.measure](lang)

    def describe(self, ind: Indicator) -> dict[str, Any]:
        """An indicator as JSON-ready data (the CLI's --json and the API give this)."""
        return {
            "code": ind.code,
            "name": {"vi": ind.name.vi, "en": ind.name.en},
            "measure": {"vi": self.measure(ind, "vi"), "en": self.measure(ind, "en")},
            "value_type": str(ind.value_type),
            "decimals": ind.decimals,
            "units_rule": str(ind.units_rule),
            "time_rule": str(ind.time_rule),
            "direction": str(ind.direction),
            "group": ind.group,
            "domain": ind.domain.to_dict(),
            "components": list(ind.components),
            "formula": ind.formula,
            "templates": {"vi": ind.templates.vi, "en": ind.templates.en},
        }

    def evaluation_order(self) -> list[Indicator]:
        """Indicators sorted so that every formula's operands come before it."""
        order: list[Indicator] = []
        done: set[str] = set()

        def visit(ind: Indicator) -> None:
            if ind.code in done:
                return
            for op in ind.operands:
                visit(self.indicators[op])
            done.add(ind.code)
            order.append(ind)

        for ind in self.indicators.values():
            visit(ind)
        return order


_FIELDS = {
    "code", "name", "measure", "value_type", "decimals", "units_rule", "time_rule",
    "direction", "group", "templates", "components", "formula", "phrasing", "estimation",
    "domain", "coverage", "consistency",
}  # fmt: skip
#: without these an indicator is not read further; ``domain`` is required too, but its absence
#: is listed with the indicator's other problems
_REQUIRED = _FIELDS - {
    "components", "formula", "phrasing", "estimation", "domain", "coverage", "consistency",
}  # fmt: skip


def unknown(what: str, code: str, known: list[str]) -> dict[str, Any]:
    """The phrasing of an unknown code (``{what}-unknown`` of errors.yaml): the closest known
    codes, else them all."""
    import difflib

    close = difflib.get_close_matches(str(code).upper(), known, n=3, cutoff=0.5)
    if close:
        return {"code": f"{what}-unknown", "text": code, "close": ", ".join(close)}
    return {"code": f"{what}-unknown-far", "text": code, "known": ", ".join(known)}


def _text(value: Any, where: str, problems: list[str]) -> Text:
    if not isinstance(value, dict) or not all(isinstance(value.get(k), str) for k in LANGS):
        problems.append(f"{where}: needs a mapping with text for 'vi' and 'en', got {value!r}")
        return Text("", "")
    return Text(*(unicodedata.normalize("NFC", value[k]) for k in LANGS))


def _enum(cls: type[StrEnum], value: Any, where: str, problems: list[str]) -> Any:
    try:
        return cls(value)
    except ValueError:
        choices = " | ".join(m.value for m in cls)
        problems.append(f"{where}: '{value}' is not one of {choices}")
        return next(iter(cls))


def _numbers(raw: Any, cls: type, where: str, problems: list[str]) -> Any:
    """A rule of numbers (CoverageRule, ConsistencyRule) from its mapping; defaults if absent."""
    if raw is None:
        return cls()
    known = {f.name for f in dataclasses.fields(cls)}
    if not isinstance(raw, dict) or not set(raw) <= known:
        problems.append(f"{where}: needs a mapping of {', '.join(sorted(known))}, got {raw!r}")
        return cls()
    out: dict[str, Any] = {}
    for key, value in raw.items():
        default = getattr(cls(), key)
        if isinstance(default, str):
            choices = CHOICES.get(key, ())
            if value not in choices:
                problems.append(f"{where} {key}: '{value}' is not one of {' | '.join(choices)}")
                continue
            out[key] = value
        elif isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            problems.append(f"{where} {key}: needs a number of at least 0, got {value!r}")
        else:
            out[key] = type(default)(value)
    return cls(**out)


def _check_formula(formula: str, where: str, problems: list[str]) -> None:
    try:
        tree = ast.parse(formula, mode="eval")
    except SyntaxError as exc:
        problems.append(f"{where}: formula '{formula}' does not parse ({exc.msg})")
        return
    allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Name, ast.Constant, ast.Load)
    allowed_ops = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.USub, ast.UAdd)
    for node in ast.walk(tree):
        if isinstance(node, ast.operator | ast.unaryop):
            if not isinstance(node, allowed_ops):
                problems.append(f"{where}: formula '{formula}' uses a forbidden operator")
        elif not isinstance(node, allowed):
            problems.append(
                f"{where}: formula '{formula}' may use only indicator codes, numbers and + - * /"
            )
            return


def _estimation(estimation: Any, where: str, problems: list[str]) -> list[Any]:
    """The estimation methods an indicator allows (a list of known methods, or one method)."""
    if isinstance(estimation, str):
        estimation = [estimation]
    if not isinstance(estimation, list) or not set(estimation) <= set(ESTIMATION_METHODS):
        problems.append(
            f"{where}: estimation must list methods among {', '.join(ESTIMATION_METHODS)}, "
            f"got {estimation!r}"
        )
        estimation = []
    return estimation


def _indicator(raw: Any, where: str, problems: list[str]) -> Indicator | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: an indicator must be a mapping, got {raw!r}")
        return None
    code = raw.get("code")
    where = f"{where} ({code})" if code else where
    missing = sorted(_REQUIRED - raw.keys())
    unknown = sorted(raw.keys() - _FIELDS)
    if missing:
        problems.append(f"{where}: missing field(s) {', '.join(missing)}")
        return None
    if unknown:
        problems.append(f"{where}: unknown field(s) {', '.join(unknown)}")
    if not isinstance(code, str) or not _CODE.match(code):
        problems.append(f"{where}: code '{code}' must be UPPER_SNAKE_CASE (A-Z, 0-9, _)")
    decimals = raw["decimals"]
    if not isinstance(decimals, int) or not 0 <= decimals <= 6:
        problems.append(f"{where}: decimals must be a whole number from 0 to 6, got {decimals!r}")
        decimals = 0
    formula = raw.get("formula")
    if formula is not None:
        _check_formula(str(formula), where, problems)
    comps = raw.get("components") or []
    if not isinstance(comps, list):
        problems.append(f"{where}: components must be a list of indicator codes")
        comps = []
    phrasing = raw.get("phrasing") or {}
    if not isinstance(phrasing, dict):
        problems.append(f"{where}: phrasing must be a mapping")
        phrasing = {}
    estimation = _estimation(raw.get("estimation") or [], where, problems)
    return Indicator(
        code=str(code),
        name=_text(raw["name"], f"{where} name", problems),
        measure=str(raw["measure"]),
        value_type=_enum(ValueType, raw["value_type"], f"{where} value_type", problems),
        decimals=decimals,
        units_rule=_enum(UnitsRule, raw["units_rule"], f"{where} units_rule", problems),
        time_rule=_enum(TimeRule, raw["time_rule"], f"{where} time_rule", problems),
        direction=_enum(Direction, raw["direction"], f"{where} direction", problems),
        group=str(raw["group"]),
        templates=_text(raw["templates"], f"{where} templates", problems),
        domain=parse_domain(raw.get("domain", MISSING), where, problems),
        components=tuple(str(c) for c in comps),
        formula=str(formula) if formula is not None else None,
        phrasing=dict(phrasing),
        estimation=tuple(str(m) for m in estimation),
        coverage=_numbers(raw.get("coverage"), CoverageRule, f"{where} coverage", problems),
        consistency=_numbers(
            raw.get("consistency"), ConsistencyRule, f"{where} consistency", problems
        ),
    )


def _check_references(cat: Catalog, problems: list[str]) -> None:
    for ind in cat:
        _check_names(cat, ind, problems)
    # formulas must not be circular
    state: dict[str, int] = {}

    def visit(code: str, path: list[str]) -> None:
        if state.get(code) == 2 or code not in cat.indicators:
            return
        if state.get(code) == 1:
            problems.append(f"formulas are circular: {' → '.join([*path, code])}")
            return
        state[code] = 1
        for op in cat.indicators[code].operands:
            visit(op, [*path, code])
        state[code] = 2

    for code in cat.indicators:
        visit(code, [])


def _check_names(cat: Catalog, ind: Indicator, problems: list[str]) -> None:
    """The measure, group and indicators ``ind`` names are defined; a recompute has a formula."""
    where = f"indicator {ind.code}"
    if ind.measure not in cat.measures:
        problems.append(f"{where}: unknown measure '{ind.measure}' (define it under measures)")
    if ind.group not in cat.groups:
        problems.append(f"{where}: unknown group '{ind.group}' (define it under groups)")
    for ref in (*ind.components, *ind.operands):
        if ref not in cat.indicators:
            problems.append(f"{where}: refers to unknown indicator '{ref}'")
    if ind.units_rule == UnitsRule.RECOMPUTE and not ind.formula:
        problems.append(f"{where}: units_rule 'recompute' needs a formula")


def load_catalog(extra: list[Path] | None = None) -> Catalog:
    """Load the shipped catalog plus ``extra`` files; raise CatalogError listing every problem."""
    problems: list[str] = []
    files = data_files("chitieu.catalog", "indicators.yaml", extra)
    indicators: dict[str, Indicator] = {}
    measures: dict[str, Text] = {}
    groups: dict[str, Text] = {}
    for f in files:
        data = read_mapping(f, problems, _EXPECT, allow_empty=False)
        for key, target in (("measures", measures), ("groups", groups)):
            for code, raw in (data.get(key) or {}).items():
                target[str(code)] = _text(raw, f"{f.name} {key} {code}", problems)
        for i, raw in enumerate(data.get("indicators") or [], start=1):
            ind = _indicator(raw, f"{f.name} indicator #{i}", problems)
            if ind is None:
                continue
            if ind.code in indicators:
                problems.append(f"{f.name}: indicator {ind.code} is defined twice")
            indicators[ind.code] = ind
    cat = Catalog(indicators, measures, groups, tuple(str(f) for f in files))
    _check_references(cat, problems)
    if problems:
        listing = "\n  - ".join(problems)
        raise CatalogError(
            f"the indicator catalog has {len(problems)} problem(s):\n  - {listing}",
            "fix the YAML file(s) named above",
        )
    return cat


@cache
def catalog() -> Catalog:
    """The catalog in use: shipped data plus files named by ``CHITIEU_CATALOG``."""
    env = os.environ.get("CHITIEU_CATALOG", "")
    return load_catalog([Path(p) for p in env.split(os.pathsep) if p])
