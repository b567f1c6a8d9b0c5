"""The last guard of the one door: no value a number or its indicator does not allow.

The readers refuse these at their place already (``rows.RowChecker`` for a file's rows, the
web form, the Excel upload and the API; ``columns.check_columns`` for a big CSV), so for what
they let through this guard finds nothing. It is there for writers that make their values
themselves — estimates, the demo, a script calling ``collect.ingest`` — so that NaN (which
SQLite stores as NULL: a deletion), an infinity (which PostgreSQL adds into every sum) or a
value outside its indicator's domain (a negative count) cannot get in on any path. ``None``
stays what it is: a deletion.

Checked on columns (NumPy: some 20–70 ms for a million rows); the findings of a refusal are
made for the first values only (the report counts the rest).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from chitieu.catalog.indicators import Catalog, catalog
from chitieu.check.findings import Finding, Report
from chitieu.collect.numbers import shown
from chitieu.store.rows import Rows

Key = tuple[str, str, str, str]


def _bounds(rows: Rows, cat: Catalog) -> tuple[np.ndarray, np.ndarray]:
    """Each row's lowest and highest allowed value (unknown indicators: unbounded)."""
    codes, distinct = rows.coded("indicator")
    lo, hi = [], []
    for code in distinct:
        ind = cat.indicators.get(code)
        low, high = ind.domain.bounds if ind is not None else (None, None)
        lo.append(-math.inf if low is None else low)
        hi.append(math.inf if high is None else high)
    return np.array(lo, dtype=np.float64)[codes], np.array(hi, dtype=np.float64)[codes]


def _as_floats(values: list[Any]) -> tuple[np.ndarray, list[int]]:
    """(the values as floats — a deletion, None, as NaN —, the rows that are deletions)."""
    n = len(values)
    try:  # one pass in C (it reads None as NaN)
        arr = np.fromiter(values, dtype=np.float64, count=n)
    except (TypeError, ValueError, OverflowError):  # an int beyond a float, something odd
        arr = np.fromiter((_float(v) for v in values), dtype=np.float64, count=n)
    nan = np.flatnonzero(np.isnan(arr)).tolist()
    return arr, [i for i in nan if values[i] is None]


def _float(v: Any) -> float:
    if v is None:
        return math.nan
    try:
        return float(v)
    except (OverflowError, TypeError, ValueError):
        return math.inf


def check_values(
    rows: Rows,
    report: Report,
    places: Mapping[Key, Mapping[str, Any]] | None = None,
    cat: Catalog | None = None,
) -> bool:
    """Add a finding for every value that is not finite or lies outside its indicator's
    domain (at its place when ``places`` knows it); True when there was none."""
    if not len(rows):
        return True
    arr, deleted = _as_floats(rows.value)
    lo, hi = _bounds(rows, cat or catalog())
    with np.errstate(invalid="ignore"):
        bad = ~(np.isfinite(arr) & (arr >= lo) & (arr <= hi))
    bad[deleted] = False
    if not bad.any():
        return True
    cat = cat or catalog()
    where = np.flatnonzero(bad)
    for i in where[: report.cap].tolist():
        report.add(_finding(rows, i, float(arr[i]), places, cat))
    for i in where[report.cap :].tolist():
        report.count("out-of-domain" if math.isfinite(arr[i]) else "non-finite-number", "error")
    return False


def _finding(
    rows: Rows, i: int, v: float, places: Mapping[Key, Mapping[str, Any]] | None, cat: Catalog
) -> Finding:
    key = (rows.indicator[i], rows.unit[i], rows.period[i], str(rows.kind[i]))
    place = dict((places or {}).get(key, {}))
    place["column"] = "value"
    common = {"indicator": key[0], "unit": key[1], "period": key[2], **place}
    if not math.isfinite(v):
        raw = rows.value[i]
        return Finding("non-finite-number", value=shown(v if raw is None else raw), **common)
    ind = cat.indicators[key[0]]
    params: dict[str, Any] = {"kind": key[3]}
    for lang in ("vi", "en"):
        params[f"domain_{lang}"] = ind.domain.describe(lang)
        params[f"name_{lang}"] = ind.name(lang)
    return Finding("out-of-domain", value=shown(v), params=params, **common)
