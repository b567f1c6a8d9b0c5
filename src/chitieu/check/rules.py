"""Validation rules as data: left side, operator, right side over indicator expressions.

Rules follow DHIS2's model (operators, importance, period types, unit levels, a missing-value
strategy per side) plus a tolerance for balance rules. The shipped rules live in
``data/rules.yaml``; users add files through ``CHITIEU_RULES`` (paths separated by
``os.pathsep``). Each rule carries its title, message and hint and gives them to its findings
(type: the rule id), so a violation is a :class:`~chitieu.check.findings.Finding` like any other.
"""

from __future__ import annotations

import ast
import os
import re
import unicodedata
from dataclasses import replace
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from chitieu.catalog.datafiles import data_files, read_mapping
from chitieu.catalog.indicators import Catalog, catalog
from chitieu.catalog.periods import PeriodType
from chitieu.catalog.vocabulary import Kind
from chitieu.check.findings import Severity, messages
from chitieu.check.rule_model import (
    SIGNS,
    Level,
    Missing,
    Operator,
    OutlierSettings,
    Rule,
    RuleSet,
    Side,
)
from chitieu.errors import CatalogError

_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_COMPONENTS = re.compile(r"components\(\s*([A-Z][A-Z0-9_]*)\s*\)")


def _expand(text: str, cat: Catalog, where: str, problems: list[str]) -> str:
    """Replace components(X) by the sum of X's components and derived codes by their formula."""

    def comps(m: re.Match[str]) -> str:
        code = m.group(1)
        ind = cat.indicators.get(code)
        if ind is None or not ind.components:
            problems.append(f"{where}: components({code}) needs an indicator with components")
            return "0"
        return "(" + " + ".join(ind.components) + ")"

    out = _COMPONENTS.sub(comps, text)
    for _ in range(10):  # derived indicators, possibly nested
        names = {n.id for n in ast.walk(ast.parse(out, mode="eval")) if isinstance(n, ast.Name)}
        derived = [n for n in names if n in cat.indicators and cat.indicators[n].formula]
        if not derived:
            break
        for n in derived:
            out = re.sub(rf"\b{n}\b", f"({cat.indicators[n].formula})", out)
    return out


def _side(raw: Any, missing: Missing, cat: Catalog, where: str, problems: list[str]) -> Side:
    text = str(raw).strip() if raw is not None else ""
    if not text:
        problems.append(f"{where}: needs an expression")
        return Side("", "0", (), ast.parse("0", mode="eval"), missing)
    try:
        expr = _expand(text, cat, where, problems)
        tree = ast.parse(expr, mode="eval")
    except SyntaxError as exc:
        problems.append(f"{where}: '{text}' does not parse ({exc.msg})")
        return Side(text, "0", (), ast.parse("0", mode="eval"), missing)
    allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Name, ast.Constant, ast.Load)
    ops = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.USub, ast.UAdd)
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.operator | ast.unaryop):
            if not isinstance(node, ops):
                problems.append(f"{where}: '{text}' uses a forbidden operator (only + - * /)")
        elif not isinstance(node, allowed):
            problems.append(f"{where}: '{text}' may use only indicator codes, numbers, + - * /")
            break
        if isinstance(node, ast.Name):
            names.append(node.id)
            if node.id not in cat.indicators:
                problems.append(f"{where}: unknown indicator '{node.id}' in '{text}'")
    order = sorted(
        (n for n in ast.walk(tree) if isinstance(n, ast.Name)), key=lambda n: n.col_offset
    )
    return Side(text, expr, tuple(dict.fromkeys(n.id for n in order)), tree.body, missing)


def _text(raw: Any, where: str, problems: list[str], required: bool = True) -> dict[str, str]:
    if raw is None and not required:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) for k in ("vi", "en")):
        problems.append(f"{where}: needs text for 'vi' and 'en', got {raw!r}")
        return {"vi": "", "en": ""}
    return {k: unicodedata.normalize("NFC", raw[k]) for k in ("vi", "en")}


def _choice(cls: type[StrEnum], raw: Any, where: str, problems: list[str]) -> Any:
    try:
        return cls(raw)
    except ValueError:
        problems.append(f"{where}: '{raw}' is not one of {' | '.join(m.value for m in cls)}")
        return next(iter(cls))


def _set(cls: type[StrEnum], raw: Any, where: str, problems: list[str]) -> frozenset[str]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, list):
        raw = [raw]
    return frozenset(str(_choice(cls, x, where, problems)) for x in raw)


_RULE_FIELDS = {
    "id", "name", "left", "operator", "right", "importance", "tolerance", "tolerance_abs",
    "period_types", "levels", "kinds", "missing_value_strategy", "message", "hint",
}  # fmt: skip


def _rule(raw: Any, cat: Catalog, where: str, problems: list[str]) -> Rule | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: a rule must be a mapping, got {raw!r}")
        return None
    rid = str(raw.get("id", ""))
    where = f"{where} ({rid})" if rid else where
    missing = sorted({"id", "name", "left", "operator", "right"} - raw.keys())
    if missing:
        problems.append(f"{where}: missing field(s) {', '.join(missing)}")
        return None
    if unknown := sorted(raw.keys() - _RULE_FIELDS):
        problems.append(f"{where}: unknown field(s) {', '.join(unknown)}")
    if not _ID.match(rid):
        problems.append(f"{where}: id '{rid}' must be lower-case letters, digits, '-', '_', '.'")
    mvs = raw.get("missing_value_strategy", Missing.SKIP_IF_ANY_VALUE_MISSING)
    if not isinstance(mvs, dict):
        mvs = {"left": mvs, "right": mvs}
    sides = {
        s: _side(
            raw[s],
            _choice(Missing, mvs.get(s, Missing.SKIP_IF_ANY_VALUE_MISSING), where, problems),
            cat,
            f"{where} {s}",
            problems,
        )
        for s in ("left", "right")
    }
    tol = raw.get("tolerance", 0.0)
    tol_abs = raw.get("tolerance_abs", 0.0)
    for name, t in (("tolerance", tol), ("tolerance_abs", tol_abs)):
        if not isinstance(t, int | float) or t < 0:
            problems.append(f"{where}: {name} must be a number ≥ 0 (0.005 = 0,5%), got {t!r}")
    importance = _choice(Severity, raw.get("importance", "error"), f"{where} importance", problems)
    kinds = _set(Kind, raw.get("kinds"), f"{where} kinds", problems)
    rule = Rule(
        id=rid,
        name=_text(raw["name"], f"{where} name", problems),
        left=sides["left"],
        operator=_choice(Operator, raw["operator"], f"{where} operator", problems),
        right=sides["right"],
        importance=importance,
        tolerance=float(tol) if isinstance(tol, int | float) else 0.0,
        tolerance_abs=float(tol_abs) if isinstance(tol_abs, int | float) else 0.0,
        period_types=_set(PeriodType, raw.get("period_types"), f"{where} period_types", problems),
        levels=_set(Level, raw.get("levels"), f"{where} levels", problems),
        kinds=kinds or frozenset({Kind.ACTUAL, Kind.ESTIMATE}),
    )
    return replace(rule, messages=_messages(rule, raw, where, problems))


def _messages(
    rule: Rule, raw: dict[str, Any], where: str, problems: list[str]
) -> dict[str, dict[str, str]]:
    """The rule's title, message and hint (its own, else the generic ones of its operator)."""
    base = messages()["rule-pair" if rule.operator.is_pair else "rule-violation"]
    msg = _text(raw.get("message"), f"{where} message", problems, required=False)
    hint = _text(raw.get("hint"), f"{where} hint", problems, required=False)
    return {
        "title": dict(rule.name),
        "message": {
            lang: (msg.get(lang) or base["message"][lang]).replace("{name}", rule.name[lang])
            for lang in ("vi", "en")
        },
        "hint": {lang: hint.get(lang) or base["hint"][lang] for lang in ("vi", "en")},
    }


def _outliers(raw: Any, cat: Catalog, where: str, problems: list[str]) -> dict[str, dict]:
    out: dict[str, dict[str, Any]] = {}
    if not raw:
        return out
    if not isinstance(raw, dict):
        problems.append(f"{where}: outliers must be a mapping with defaults and indicators")
        return out
    keys = set(OutlierSettings.__dataclass_fields__)
    entries = [("", raw.get("defaults") or {})]
    entries += list((raw.get("indicators") or {}).items())
    for code, settings in entries:
        w = f"{where} outliers {code or 'defaults'}"
        if code and code not in cat.indicators:
            problems.append(f"{w}: unknown indicator '{code}'")
        if not isinstance(settings, dict) or not set(settings) <= keys:
            problems.append(f"{w}: settings must be a mapping of {', '.join(sorted(keys))}")
            continue
        out[str(code)] = settings
    return out


def balance_id(code: str) -> str:
    """The id of the balance rule of an indicator with components (``ict-revenue-balance``)."""
    return code.lower().replace("_", "-") + "-balance"


def _lower(text: str) -> str:
    first = text.split(" ", 1)[0]
    return text if len(first) > 1 and first.isupper() else text[:1].lower() + text[1:]


def components_rules(cat: Catalog, problems: list[str]) -> dict[str, Rule]:
    """The balance rule of every indicator with ``components:`` in the catalog: its total
    equals the sum of its components within its ``consistency: tolerance`` (importance error),
    titled and hinted from ``rule-components`` of messages.yaml."""
    tpl = messages()["rule-components"]
    out: dict[str, Rule] = {}
    for ind in cat:
        if not ind.components:
            continue
        words = {lang: {"total": ind.name(lang), "total_lower": _lower(ind.name(lang)),
                        "components": "; ".join(_lower(cat.get(c).name(lang))
                                                for c in ind.components)}
                 for lang in ("vi", "en")}  # fmt: skip
        raw = {
            "id": balance_id(ind.code), "left": ind.code, "operator": "equal_to",
            "right": f"components({ind.code})", "tolerance": ind.consistency.tolerance,
            "importance": "error",
            "name": {lang: tpl["title"][lang].format(**words[lang]) for lang in words},
            "hint": {lang: tpl["hint"][lang].format(**words[lang]) for lang in words},
        }  # fmt: skip
        rule = _rule(raw, cat, f"catalog {ind.code} components", problems)
        if rule is not None:
            out[rule.id] = replace(rule, source="catalog")
    return out


def load_rules(extra: list[Path] | None = None, cat: Catalog | None = None) -> RuleSet:
    """The balance rules of the catalog's totals (:func:`components_rules`), the shipped rules
    and those of ``extra`` files; raise CatalogError listing every problem."""
    cat = cat or catalog()
    problems: list[str] = []
    files = data_files("chitieu.check", "rules.yaml", extra)
    rules: dict[str, Rule] = components_rules(cat, problems)
    settings: dict[str, dict[str, Any]] = {}
    for f in files:
        data = read_mapping(f, problems, "'rules' (and 'outliers')")
        for i, raw in enumerate(data.get("rules") or [], start=1):
            rule = _rule(raw, cat, f"{f.name} rule #{i}", problems)
            if rule is None:
                continue
            if rule.id in rules:
                problems.append(f"{f.name}: rule {rule.id} is defined twice")
            rules[rule.id] = Rule(**{**rule.__dict__, "source": str(f)})
        for code, s in _outliers(data.get("outliers"), cat, f.name, problems).items():
            settings[code] = {**settings.get(code, {}), **s}
    if problems:
        listing = "\n  - ".join(problems)
        raise CatalogError(
            f"the validation rules have {len(problems)} problem(s):\n  - {listing}",
            "fix the rule file(s) named above (see src/chitieu/check/data/rules.yaml)",
        )
    defaults = OutlierSettings(**settings.get("", {}))
    outliers = {"": defaults}
    for code, s in settings.items():
        if code:
            outliers[code] = OutlierSettings(**{**defaults.__dict__, **s})
    return RuleSet(tuple(rules.values()), outliers, tuple(str(f) for f in files))


@cache
def rules() -> RuleSet:
    """The rules in force: shipped data plus files named by ``CHITIEU_RULES``."""
    env = os.environ.get("CHITIEU_RULES", "")
    return load_rules([Path(p) for p in env.split(os.pathsep) if p])


__all__ = [
    "SIGNS", "Level", "Missing", "Operator", "OutlierSettings", "Rule", "RuleSet", "Side",
    "balance_id", "components_rules", "load_rules", "rules",
]  # fmt: skip
