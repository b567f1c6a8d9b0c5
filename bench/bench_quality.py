"""Benchmark: the cost of validation rules and outlier checks on import, and batch validation.

Peers measured in the same run: the import's own row checks (``check_table``) — the rules and
outliers must not cost more than a fraction of them — and a hand-vectorised pandas evaluation
of the same balance rule (the floor for that check). Run: ``python bench/bench_quality.py``.
"""

from __future__ import annotations

import csv
import sys
import tempfile
import time
from pathlib import Path

from chitieu.catalog.units import registry
from chitieu.check.runner import evaluate_rules, validate_period
from chitieu.collect.importer import check_table, import_file
from chitieu.collect.reader import read_table
from chitieu.demo.build import COMPONENTS
from chitieu.store.values import Store

YEARS = range(2016, 2024)


def make_file(path: Path) -> int:
    """Monthly revenue and its five components for 63 provinces (balanced exactly)."""
    units = [u.id for u in registry().provinces(registry().get("01@63").valid_to)]  # type: ignore[arg-type]
    n = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["indicator", "unit", "period", "value", "kind"])
        for i, u in enumerate(units):
            for y in YEARS:
                for m in range(1, 13):
                    base = 1000 + i * 10 + (y - 2016) * 50 + m
                    parts = [round(base * s) for s in COMPONENTS.values()]
                    w.writerow(["ICT_REVENUE", u, f"{y}{m:02d}", sum(parts), "actual"])
                    for code, v in zip(COMPONENTS, parts, strict=True):
                        w.writerow([code, u, f"{y}{m:02d}", v, "actual"])
                    n += 1 + len(parts)
    return n


def timed(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    import pandas as pd

    tmp = Path(tempfile.mkdtemp())
    f = tmp / "monthly.csv"
    rows = make_file(f)
    table = read_table(f)
    res = check_table(table)
    values = {(v.indicator, v.unit, v.period, str(v.kind)): v.value for v in res.values}
    t_rows = timed(lambda: check_table(table))
    t_rules = timed(lambda: evaluate_rules(values))
    df = pd.read_csv(f)

    def pandas_balance() -> None:
        wide = df.pivot_table(index=["unit", "period"], columns="indicator", values="value")
        total = wide[list(COMPONENTS)].sum(axis=1)
        bad = (wide["ICT_REVENUE"] - total).abs() > 0.005 * wide["ICT_REVENUE"].abs()
        assert not bad.any()

    t_pandas = timed(pandas_balance)
    store = Store(f"sqlite:///{tmp / 'b.db'}")
    t_import = timed(lambda: import_file(f, store, created_by="bench", dry_run=True), 1)
    import_file(f, store, created_by="bench")
    t_validate = timed(lambda: validate_period(store, "2023"), 1)
    print(f"rows: {rows}")
    print(f"row checks (check_table):          {t_rows:7.3f} s")
    print(
        f"rules over the file:               {t_rules:7.3f} s  ({t_rules / t_rows:.2f}× row checks)"
    )
    print(
        f"pandas vectorised balance (floor): {t_pandas:7.3f} s  "
        f"(rules {t_rules / t_pandas:.1f}× it)"
    )
    print(f"import dry run incl. rules+outliers:{t_import:7.3f} s")
    print(f"validate --period 2023 (stored):   {t_validate:7.3f} s")
    limit = 0.5
    ok = t_rules / t_rows <= limit
    print(f"rules cost ≤ {limit}× row checks: {'ok' if ok else 'NOT MET'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
