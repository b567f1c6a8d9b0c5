"""Benchmark: Monte Carlo rank analysis, vectorised vs one run at a time (same draws, same ranks).

Run: .venv/bin/python -m bench.bench_benchmark_mc [runs]. Prints medians of 3 repetitions and
the speed-up ratio; the target is a ratio ≥ 5 and ≤ 1 s for 10,000 runs on the 2023 data.
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np

from chitieu.benchmark.compute import compute
from chitieu.benchmark.framework import framework
from chitieu.benchmark.index import coverage_filter
from chitieu.benchmark.reference import load_reference
from chitieu.benchmark.run import index_input, run_benchmark
from chitieu.benchmark.uncertainty import monte_carlo, naive_monte_carlo


def _median_time(fn, reps: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(runs: int = 10_000) -> dict[str, float]:
    """Time both Monte Carlo implementations on the 2023 benchmark data."""
    fw, m = framework(), framework().method
    result = run_benchmark(None, 2023, runs=10)
    values = compute(load_reference(None, list(range(2019, 2025))), fw, 2023)
    full = index_input(fw, values, list(fw.countries), [i.code for i in fw.indicators])
    rows, cols = coverage_filter(full.values, m.min_coverage, m.min_countries)
    data = index_input(
        fw,
        values,
        [c for c, k in zip(fw.countries, rows, strict=True) if k],
        [i.code for i, k in zip(fw.indicators, cols, strict=True) if k],
    )
    assert len(data.countries) == len(result.scored)
    args = (data, runs, m.seed, m.normalisations, m.aggregations, m.imputations, m.weight_noise)
    assert np.array_equal(monte_carlo(*args).ranks, naive_monte_carlo(*args))
    fast = _median_time(lambda: monte_carlo(*args))
    slow = _median_time(lambda: naive_monte_carlo(*args), reps=1 if runs > 20_000 else 3)
    out = {"runs": runs, "vectorised_s": fast, "per_run_s": slow, "ratio": slow / fast}
    print(
        f"Monte Carlo, {runs} runs, {len(data.countries)} countries × {len(data.indicators)} "
        f"indicators: vectorised {fast:.3f} s, one run at a time {slow:.3f} s, "
        f"ratio {slow / fast:.1f}× (target ≥ 5×, vectorised ≤ 1 s)"
    )
    return out


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
