"""The outlier checks of many values at once: history from the current-value slabs, on columns.

For every new value (not a plan): its unit's figures of the same indicator for the periods of
the same type before it and the same period last year — the actual, else the estimate, the
values written together counting too — read from the slabs of those indicator-years in one
query. The modified z-score and the change on last year are computed on the whole column; the
values a column says are flagged, or near a threshold, are then checked one by one by
:func:`~chitieu.check.outliers.check_value`, which decides and words the finding. So the
findings are the same as checking each value alone, and an import of a million values reads
its history once. Beyond the report's cap, flagged values are counted, not written out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import numpy as np

from chitieu.check.findings import Report, Severity
from chitieu.check.outliers import MAD_K, MEAN_AD_K, _past_ids, check_value
from chitieu.check.rules import RuleSet
from chitieu.store.current import PLAN, Slab, concat, year_of
from chitieu.store.rows import Rows

Key = tuple[str, str, str, str]
#: a score within this relative distance of a threshold is decided one by one
_NEAR = 1e-9
#: history cells (indicators × units × periods) up to this many are held in one array
_DENSE_MAX = 20_000_000


@cache
def _history_of(period: str, n: int) -> tuple[str, ...]:
    """The ids a value of ``period`` is compared with: ``n`` past periods, then last year's."""
    past, prev = _past_ids(period, n)
    return (*past, prev)


def history_periods(rows: Rows, rs: RuleSet) -> set[str]:
    """The period ids the outlier checks of ``rows`` compare with (and the rows' own)."""
    out = set(rows.coded("period")[1])
    ic, inds = rows.coded("indicator")
    pc, pers = rows.coded("period")
    for pair in np.unique(ic * len(pers) + pc).tolist():
        ind, period = inds[pair // len(pers)], pers[pair % len(pers)]
        out.update(_history_of(period, rs.outlier_settings(ind).history))
    return out


def history_keys(rows: Rows, rs: RuleSet) -> list[tuple[int, str]]:
    """The current-value slabs (year, indicator) the outlier checks of ``rows`` read."""
    wanted: set[tuple[int, str]] = set()
    ic, inds = rows.coded("indicator")
    pc, pers = rows.coded("period")
    kc, kinds = rows.coded("kind")
    fig = np.isin(kc, [i for i, k in enumerate(kinds) if k != "plan"])
    pairs = np.unique(ic[fig] * len(pers) + pc[fig]).tolist()
    years: dict[tuple[str, int], set[int]] = {}  # (period, history) → the years it reads
    for pair in pairs:
        ind, period = inds[pair // len(pers)], pers[pair % len(pers)]
        n = rs.outlier_settings(ind).history
        ys = years.get((period, n))
        if ys is None:
            ys = years[(period, n)] = {year_of(q) for q in _history_of(period, n)}
            ys.add(year_of(period))
        wanted.update((y, ind) for y in ys)
    return sorted(wanted)


def _codes(rows: Rows, column: str) -> tuple[np.ndarray, dict[str, int]]:
    codes, distinct = rows.coded(column)
    return codes, {v: i for i, v in enumerate(distinct)}


def _slab_periods(
    e: np.ndarray, sidx: np.ndarray, chosen: list[Slab]
) -> tuple[np.ndarray, list[str]]:
    """A code per slab entry for its period id, and the distinct ids (on integers, not text)."""
    from chitieu.store.current import _period_key

    if not len(e):
        return np.zeros(0, dtype=np.int64), []
    years = np.array([s.year for s in chosen], dtype=np.int64)[sidx]
    key = years * (1 << 40) + _period_key(e["period"]).astype(np.int64)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return inverse.astype(np.int64), [e["period"][i].decode() for i in first.tolist()]


def screen(
    rows: Rows,
    slabs: Mapping[tuple[int, str], Slab],
    rs: RuleSet,
    report: Report,
    places: Mapping[Key, Mapping[str, Any]] | None = None,
    place_of_row: Any = None,
) -> None:
    """Add the outlier findings of ``rows`` to ``report`` (history from ``slabs``).

    ``place_of_row(i)``, if given, tells where row ``i`` came from (instead of ``places``).
    """
    kinds = rows.kind
    target = np.array(
        [k != "plan" and v is not None for k, v in zip(kinds, rows.value, strict=True)], bool
    )
    if not target.any():
        return
    # --- one code space for indicators, units and period ids --------------------------------
    ind_code, ind_ix = _codes(rows, "indicator")
    unit_code, unit_ix = _codes(rows, "unit")
    per_code, per_ix = _codes(rows, "period")
    periods = list(per_ix)
    hist_ids = _history_ids(rs, ind_ix, periods, per_ix)
    chosen, e, sidx = concat(slabs.values())
    _code_slabs(chosen, ind_ix, unit_ix)
    nu, npid = len(unit_ix), len(per_ix) + 1
    # --- stored figures: the actual, else the estimate; then the values written together ---
    fig = e["kind"] != PLAN
    e, sidx = e[fig], sidx[fig]
    slab_ind = np.array([ind_ix[s.indicator] for s in chosen], dtype=np.int64)
    offsets = np.cumsum([0] + [len(s.units) for s in chosen])
    to_unit = np.array([unit_ix[u] for s in chosen for u in s.units], dtype=np.int64)
    s_unit = to_unit[offsets[sidx] + e["unit"].astype(np.int64)] if len(e) else sidx
    ecode, eids = _slab_periods(e, sidx, chosen)
    s_per = np.array([per_ix.get(p, npid - 1) for p in eids], dtype=np.int64)[ecode]
    s_key = (slab_ind[sidx] * nu + s_unit) * npid + s_per
    order = np.lexsort((e["kind"], s_key))
    s_key, s_val = s_key[order], e["value"][order]
    first = np.r_[True, s_key[1:] != s_key[:-1]] if len(s_key) else np.zeros(0, bool)
    s_key, s_val = s_key[first], s_val[first]  # actual (0) before estimate (1)
    new_key = (ind_code * nu + unit_code) * npid + per_code
    new_val = np.array(rows.value, dtype=object)[target].astype(float)
    lookup = _lookup(s_key, s_val, new_key[target], new_val, len(ind_ix) * nu * npid)
    # --- per indicator's settings: the history matrix, the z-score, the change --------------
    idx = np.flatnonzero(target)
    value = np.array(rows.value, dtype=object)[idx].astype(float)
    # per value: flagged for sure (1), maybe (2: near a threshold), by z-score and by change
    z_flag = np.zeros(len(idx), dtype=np.int8)
    ch_flag = np.zeros(len(idx), dtype=np.int8)
    names = list(ind_ix)
    by_ind = np.argsort(ind_code[idx], kind="stable")
    cuts = np.flatnonzero(np.diff(ind_code[idx][by_ind])) + 1
    for sel in np.split(by_ind, cuts):
        if not len(sel):
            continue
        st = rs.outlier_settings(names[int(ind_code[idx[sel[0]]])])
        rows_sel = idx[sel]
        table = np.array([[per_ix[q] for q in hist_ids[f"{st.history}|{p}"]] for p in periods])
        hp = table[per_code[rows_sel]]  # (values, history + 1) period codes
        base = (ind_code[rows_sel] * nu + unit_code[rows_sel]) * npid
        hv = lookup((base[:, None] + hp).ravel()).reshape(hp.shape)
        past, prev = hv[:, :-1], hv[:, -1]
        x = value[sel]
        count = (~np.isnan(past)).sum(axis=1)
        ok = count >= st.min_history
        if ok.any():
            z = np.abs(_zscores(x[ok], past[ok], count[ok]))
            z_flag[sel[np.flatnonzero(ok)]] = _verdict(z, st.z_threshold)
        if st.max_change_pct is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                change = np.abs((x / prev - 1) * 100)
            has = ~np.isnan(prev) & (prev != 0)
            ch_flag[sel[has]] = _verdict(change[has], st.max_change_pct)

    # --- the flagged values checked one by one, in order, until the report is full; beyond
    # it the sure ones are counted on the columns, the doubtful ones still decided one by one
    def one(j: int) -> None:
        i = int(idx[j])
        key = (rows.indicator[i], rows.unit[i], rows.period[i], kinds[i])
        s = rs.outlier_settings(key[0])
        ids = hist_ids[f"{s.history}|{key[2]}"]
        base = (ind_code[i] * nu + unit_code[i]) * npid
        got = lookup(np.array([base + per_ix[q] for q in ids], dtype=np.int64))
        history = {q: float(v) for q, v in zip(ids, got.tolist(), strict=True) if v == v}
        place = None
        if len(report.findings) < report.cap:
            place = place_of_row(i) if place_of_row is not None else (places or {}).get(key)
        report.extend(check_value(key[0], key[1], key[2], float(value[j]), history, rs, place))

    _report_flagged(z_flag, ch_flag, report, one)


def _report_flagged(
    z_flag: np.ndarray, ch_flag: np.ndarray, report: Report, one: Callable[[int], None]
) -> None:
    """The flagged values checked one by one (``one``) until the report is full; beyond it
    the sure ones counted, the doubtful ones (2) still decided one by one."""
    flagged = np.flatnonzero(z_flag | ch_flag)
    k = 0
    while k < len(flagged) and len(report.findings) < report.cap:
        one(int(flagged[k]))
        k += 1
    rest = flagged[k:]
    sure = rest[(z_flag[rest] != 2) & (ch_flag[rest] != 2)]
    if len(sure):
        report.count("outlier-history", Severity.WARNING, int((z_flag[sure] == 1).sum()))
        report.count("outlier-change", Severity.WARNING, int((ch_flag[sure] == 1).sum()))
    for j in rest[(z_flag[rest] == 2) | (ch_flag[rest] == 2)].tolist():
        one(int(j))


def _history_ids(
    rs: RuleSet, ind_ix: dict[str, int], periods: list[str], per_ix: dict[str, int]
) -> dict[str, tuple[str, ...]]:
    """Per "history|period", the period ids a value is compared with (each given a code in
    ``per_ix``)."""
    hist_ids: dict[str, tuple[str, ...]] = {}
    for code in ind_ix:
        h = rs.outlier_settings(code).history
        for p in periods:
            hist_ids.setdefault(f"{h}|{p}", _history_of(p, h))
    for ids in hist_ids.values():
        for q in ids:
            per_ix.setdefault(q, len(per_ix))
    return hist_ids


def _code_slabs(chosen: list[Slab], ind_ix: dict[str, int], unit_ix: dict[str, int]) -> None:
    """Codes for the indicators and units of the stored slabs not among the rows'."""
    for s in chosen:
        ind_ix.setdefault(s.indicator, len(ind_ix))
        for u in s.units:
            unit_ix.setdefault(u, len(unit_ix))


def _lookup(
    s_key: np.ndarray, s_val: np.ndarray, new_key: np.ndarray, new_val: np.ndarray, size: int
) -> Callable[[np.ndarray], np.ndarray]:
    """The figure of each key (NaN: none): the stored ones, the values written over them."""
    if size <= _DENSE_MAX:  # one cell per (indicator, unit, period): looked up by position
        dense = np.full(size, np.nan)
        dense[s_key] = s_val
        dense[new_key] = new_val  # a new value over the stored one

        def by_position(keys: np.ndarray) -> np.ndarray:
            return dense[keys]

        return by_position
    # too many combinations for a table: sorted keys, searched
    all_key = np.concatenate([s_key, new_key])
    all_val = np.concatenate([s_val, new_val])
    o = np.argsort(all_key, kind="stable")
    all_key, all_val = all_key[o], all_val[o]
    last = np.r_[all_key[1:] != all_key[:-1], True] if len(all_key) else np.zeros(0, bool)
    all_key, all_val = all_key[last], all_val[last]

    def searched(keys: np.ndarray) -> np.ndarray:
        pos = np.minimum(np.searchsorted(all_key, keys), max(len(all_key) - 1, 0))
        hit = all_key[pos] == keys if len(all_key) else np.zeros(len(keys), bool)
        return np.where(hit, all_val[pos] if len(all_key) else 0.0, np.nan)

    return searched


def _verdict(score: np.ndarray, threshold: float) -> np.ndarray:
    """1 where ``score`` is clearly above ``threshold``, 2 where it is within float error of
    it (decided one by one), 0 elsewhere (NaN included)."""
    out = np.zeros(len(score), dtype=np.int8)
    out[score > threshold * (1 + _NEAR)] = 1
    out[(score > threshold * (1 - _NEAR)) & (score <= threshold * (1 + _NEAR))] = 2
    return out


def _zscores(x: np.ndarray, past: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Modified z-scores (NaN where the history has no spread), as ``modified_z`` does."""
    srt = np.sort(past, axis=1)  # NaN last
    r = np.arange(len(x))
    med = (srt[r, (count - 1) // 2] + srt[r, count // 2]) / 2
    dev = np.abs(past - med[:, None])
    dsrt = np.sort(dev, axis=1)
    mad = (dsrt[r, (count - 1) // 2] + dsrt[r, count // 2]) / 2
    mean_ad = np.nansum(dev, axis=1) / count
    scale = np.where(mad > 0, mad / MAD_K, MEAN_AD_K * mean_ad)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(scale > 0, (x - med) / scale, np.nan)
