"""Running the checks: validation rules and outliers, on a write or over a stored period.

``validate_values`` is what every write path calls (file import, web form, API): the new values
are laid over the stored values of the same units, periods and kinds, the rules that read any
new value are evaluated, and the new values are compared with their history. ``validate_period``
checks everything stored for a period. Both return one :class:`Report` with every finding.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import numpy as np

from chitieu.catalog.periods import parse_period, periods_within
from chitieu.catalog.units import NATION_ID
from chitieu.catalog.vocabulary import Kind
from chitieu.check.consistency import consistency_findings
from chitieu.check.findings import DEFAULT_CAP, Finding, Report
from chitieu.check.outliers import Num, check_value, history_ids
from chitieu.check.rules import SIGNS, Level, Operator, Rule, RuleSet, rules
from chitieu.check.screen import history_keys, history_periods, screen
from chitieu.store.current import merge
from chitieu.store.rows import Rows
from chitieu.store.values import NewValue, Observation, Store, best_value

#: (indicator, unit, period, kind)
Key = tuple[str, str, str, str]
#: writes smaller than this (a form's save) read the stored values they are checked against
#: from the vintages in one query; bigger ones from the current-value slabs, on columns
SMALL = 1_000
#: where a value came from: file, sheet, row (import) or nothing (stored values)
Places = Mapping[Key, Mapping[str, Any]]


def _num(v: float, lang: str, sign: bool = False) -> Num:
    return Num(v, lang, None, sign)


def _rule_finding(
    rule: Rule,
    unit: str,
    period: str,
    kind: str,
    lv: float | None,
    rv: float | None,
    lp: bool,
    rp: bool,
    place: Mapping[str, Any],
) -> Finding:
    params: dict[str, Any] = {
        "left": rule.left.text,
        "right": rule.right.text,
        "sign": SIGNS[rule.operator],
        "operator": str(rule.operator),
        "operands": ", ".join(rule.operands),
        "kind": kind,
        "left_value": lv,
        "right_value": rv,
    }
    imbalance = None
    if rule.operator.is_pair:
        if rule.operator == Operator.COMPULSORY_PAIR:
            present, absent = (
                (rule.left.text, rule.right.text) if lp else (rule.right.text, rule.left.text)
            )
            params["problem_vi"] = f"{present} có số liệu nhưng {absent} không có"
            params["problem_en"] = f"{present} is reported but {absent} is not"
        else:
            params["problem_vi"] = (
                f"{rule.left.text} và {rule.right.text} không được cùng có số liệu"
            )
            params["problem_en"] = (
                f"{rule.left.text} and {rule.right.text} must not both be reported"
            )
    else:
        assert lv is not None and rv is not None
        imbalance = lv - rv
        for lang in ("vi", "en"):
            params[f"left_value_{lang}"] = _num(lv, lang)
            params[f"right_value_{lang}"] = _num(rv, lang)
            params[f"imbalance_{lang}"] = _num(imbalance, lang, sign=True)
            sides = [(rule.left, lv), (rule.right, rv)]
            params[f"actual_{lang}"] = ", ".join(
                f"{side.text} = {_num(v, lang)}" for side, v in sides if side.operands
            )
        if rule.tolerance:
            pct = {lang: _num(rule.tolerance * 100, lang) for lang in ("vi", "en")}
            params["tolerance_vi"] = f" (sai số cho phép {pct['vi']}%)"
            params["tolerance_en"] = f" (within {pct['en']}%)"
    return Finding(
        rule.id,
        rule.importance,
        value=lv,
        indicator=rule.left.operands[0] if rule.left.operands else None,
        unit=unit,
        period=period,
        imbalance=imbalance,
        rule=rule.id,
        params=params,
        templates=rule.messages,
        **place,
    )


def _holds(
    rule: Rule, vals: Mapping[str, float]
) -> tuple[bool | None, tuple[float | None, bool], tuple[float | None, bool]]:
    """Whether ``rule`` holds over one unit's ``vals`` (None: skipped by the missing-value
    strategy), with its left and right sides (value, present)."""
    left, right = rule.left.value(vals), rule.right.value(vals)
    (lv, lp), (rv, rp) = left, right
    if rule.operator == Operator.COMPULSORY_PAIR:
        return lp == rp, left, right
    if rule.operator == Operator.EXCLUSIVE_PAIR:
        return not (lp and rp), left, right
    if lv is None or rv is None:
        return None, left, right
    return rule.holds(lv, rv), left, right


def evaluate_rules(
    values: Mapping[Key, float],
    ruleset: RuleSet | None = None,
    changed: set[Key] | None = None,
    places: Places | None = None,
) -> list[Finding]:
    """Findings of every rule over ``values``; only rules reading a ``changed`` key if given."""
    rs = ruleset or rules()
    groups: dict[tuple[str, str, str], dict[str, float]] = defaultdict(dict)
    for (ind, unit, period, kind), v in values.items():
        groups[(unit, period, kind)][ind] = v
    found: list[Finding] = []
    needs = [(r, set(r.operands), r.needs_values) for r in rs.rules]
    for (unit, period, kind), vals in sorted(groups.items()):
        ptype = str(parse_period(period).type)
        level = Level.NATION if unit == NATION_ID else Level.PROVINCE
        for rule, ops, needs_values in needs:
            if needs_values and ops.isdisjoint(vals):
                continue
            if not rule.applies(ptype, level, kind):
                continue
            touched = [
                o for o in rule.operands if changed is None or (o, unit, period, kind) in changed
            ]
            if not touched:
                continue
            ok, (lv, lp), (rv, rp) = _holds(rule, vals)
            if ok is False:
                place = dict((places or {}).get((touched[0], unit, period, kind), {}))
                if place:
                    place["column"] = "value"
                found.append(_rule_finding(rule, unit, period, kind, lv, rv, lp, rp, place))
    return found


def _history(obs: Iterable[Observation]) -> dict[tuple[str, str], dict[str, float]]:
    out: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for (ind, unit, period), o in best_value(obs).items():
        if o.value is not None:
            out[(ind, unit)][period] = o.value
    return out


def _outliers(
    targets: Iterable[tuple[Key, float]],
    store: Store | None,
    rs: RuleSet,
    places: Places | None,
    as_of: datetime | None = None,
    overlay: Mapping[Key, float] | None = None,
) -> list[Finding]:
    targets = [(k, v) for k, v in targets if k[3] != Kind.PLAN]
    if not targets or store is None:
        return []
    ids = history_ids({k[2] for k, _ in targets}, rs)
    obs = store.current(
        ids,
        indicators=sorted({k[0] for k, _ in targets}),
        units=sorted({k[1] for k, _ in targets}),
        as_of=as_of,
    )
    hist = _history(obs)
    for (ind, unit, period, kind), v in (overlay or {}).items():  # values written together
        if kind != Kind.PLAN:
            hist[(ind, unit)][period] = v
    found: list[Finding] = []
    for key, v in targets:
        ind, unit, period, _ = key
        place = (places or {}).get(key)
        found += check_value(ind, unit, period, v, hist.get((ind, unit), {}), rs, place)
    return found


def validate_values(
    store: Store | None,
    new_values: Rows | Iterable[NewValue],
    *,
    places: Places | None = None,
    ruleset: RuleSet | None = None,
    outliers: bool = True,
    cap: int = DEFAULT_CAP,
    slabs_read: dict[Any, Any] | None = None,
) -> Report:
    """Check values about to be written, against each other and the stored values.

    The rules read only the values of the indicators they name (so only those rows are
    looked at one by one); the outlier checks run on columns (``check/screen.py``) with the
    units' history read once from the current-value slabs.
    """
    rs = ruleset or rules()
    rows = Rows.of(new_values)
    report = Report(cap=cap)
    if not len(rows):
        return report
    operands = {op for r in rs.rules for op in r.operands}
    codes, distinct = rows.coded("indicator")
    named = [i for i, code in enumerate(distinct) if code in operands]
    mine = np.flatnonzero(np.isin(codes, named)) if len(named) < len(distinct) else None
    picked = rows if mine is None else rows.take(mine.tolist())
    new = {k: v for k, v in zip(picked.keys(), picked.value, strict=True)}
    units = rows.coded("unit")[1]
    stored: list[Observation] | None = None
    if store is not None and len(rows) < SMALL:
        # a form's save: one read of the vintages gives the rules' stored operands and each
        # unit's own history for the outlier checks
        periods = history_periods(rows, rs) if outliers else set(rows.coded("period")[1])
        stored = store.current(periods, indicators=sorted(operands | set(distinct)),
                               units=sorted(units))  # fmt: skip
    _rules_over(store, rs, new, places, report, stored)
    _consistency(store, rows, report)
    if outliers:
        if stored is not None:
            slabs: dict[Any, Any] = _slabs_of(stored)
            if slabs_read is not None:  # the write compares its values with them (overlaid:
                slabs_read.update(slabs)  # never a base to write from)
        else:  # an import: the history from the current-value slabs, on columns
            # each unit is compared with its own past values: others' pending ones not read
            slabs = store.slabs(history_keys(rows, rs), units=units) if store is not None else {}
            if slabs_read is not None:
                slabs_read.update(slabs)  # the write need not read them again
        screen(rows, slabs, rs, report, places, getattr(places, "of_row", None))
    report.stats = {"values": len(rows), "rules": len(rs.rules)}
    return report


#: writes of more rows than this are checked for consistency among their own values only, and
#: above CONSISTENCY_MAX not at all on the way in (``chitieu validate`` checks what is stored)
CONSISTENCY_READ = 20_000
CONSISTENCY_MAX = 200_000


def _consistency(store: Store | None, rows: Rows, report: Report) -> None:
    """Consistency findings of a write (check/consistency.py): its values laid over the stored
    values of the same indicators and years (all units, every period of those years)."""
    if len(rows) > CONSISTENCY_MAX:
        return
    new = {k: v for k, v in zip(rows.keys(), rows.value, strict=True)}
    values: dict[Key, float] = {}
    if store is not None and len(rows) <= CONSISTENCY_READ:
        inds = sorted({k[0] for k in new})
        years = {k[2][:4] for k in new}
        ids = {q.id for y in years if y.isdigit() for q in periods_within(parse_period(y))}
        for o in store.current(ids, indicators=inds):
            if o.value is not None:
                values[o.key] = o.value
    touched = {(k[0], k[2][:4]) for k in new}
    for k, v in new.items():
        if v is None:
            values.pop(k, None)
        else:
            values[k] = v
    found = consistency_findings(values)
    report.extend([f for f in found if (f.indicator, (f.period or "")[:4]) in touched])


def _slabs_of(stored: list[Observation]) -> dict[Any, Any]:
    """Current values read from the vintages as slabs (only these units and periods: marked
    overlaid, never a base to write from)."""
    if not stored:
        return {}
    rows = Rows.of(NewValue(o.indicator, o.unit, o.period, o.kind, o.value, o.status,
                            method=o.method) for o in stored)  # fmt: skip
    slabs = merge({}, rows, np.array([o.batch_id for o in stored], dtype=np.int64))
    for slab in slabs.values():
        slab.overlaid = True
    return slabs


def _rules_over(
    store: Store | None, rs: RuleSet, new: dict[Key, float | None], places: Places | None,
    report: Report, stored: list[Observation] | None = None,
) -> None:  # fmt: skip
    """Findings of the rules that read a new value, over the new values laid on the stored
    (``stored``: the current values already read, else read here)."""
    if not new:
        return
    combined: dict[Key, float] = {}
    if store is not None:
        wanted = {rs_op for r in rs.rules for rs_op in r.operands}
        groups = {(k[1], k[2], k[3]) for k in new}
        if stored is None:
            stored = store.current(
                {g[1] for g in groups},
                indicators=sorted(wanted),
                units=sorted({g[0] for g in groups}),
                kinds=sorted({g[2] for g in groups}),
            )
        for o in stored:
            if (
                o.indicator in wanted
                and o.value is not None
                and (o.unit, o.period, o.kind) in groups
            ):
                combined[o.key] = o.value
    for k, v in new.items():  # new values win; a None deletes
        if v is None:
            combined.pop(k, None)
        else:
            combined[k] = v
    report.extend(evaluate_rules(combined, rs, set(new), places))


def validate_period(
    store: Store,
    period: str,
    *,
    units: list[str] | None = None,
    ruleset: RuleSet | None = None,
    outliers: bool = True,
    cap: int = DEFAULT_CAP,
    as_of: datetime | None = None,
) -> Report:
    """Check everything stored for ``period`` and the periods within it (optionally some units)."""
    rs = ruleset or rules()
    p = parse_period(period)
    ids = {q.id for q in periods_within(p)}
    obs = store.current(ids, units=units, as_of=as_of)
    values = {o.key: o.value for o in obs if o.value is not None}
    report = Report(cap=cap)
    report.extend(evaluate_rules(values, rs))
    report.extend(consistency_findings(values))
    if outliers:
        best = best_value(obs)
        targets = [((i, u, q, o.kind), o.value) for (i, u, q), o in sorted(best.items())]
        report.extend(_outliers(targets, store, rs, None, as_of))  # type: ignore[arg-type]
    report.stats = {
        "period": p.id,
        "values": len(values),
        "rules": len(rs.rules),
        "units": len({o.unit for o in obs}),
    }
    return report
