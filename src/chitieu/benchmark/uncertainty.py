"""Uncertainty analysis of the index ranks by Monte Carlo (Saisana, Saltelli & Tarantola 2005).

Each run draws a normalisation, an aggregation and an imputation method uniformly from the
framework's lists, and multiplies every indicator and pillar weight by U(1 − a, 1 + a). The
runs sharing a method choice are scored together (the weights vectorised), so thousands of
runs take a fraction of a second. Reported per country: median rank and the 5–95% interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np

from .index import IndexInput, aggregate, impute, normalise, ranks


@dataclass
class Uncertainty:
    """Rank distribution of each country over the runs."""

    runs: int
    seed: int
    median: np.ndarray  # C
    p5: np.ndarray  # C
    p95: np.ndarray  # C
    ranks: np.ndarray  # runs × C
    choices: dict[str, int]  # how many runs used each method

    def interval(self, c: int) -> tuple[int, int]:
        """The 5–95% rank interval of country ``c``."""
        return int(self.p5[c]), int(self.p95[c])


def monte_carlo(
    data: IndexInput,
    runs: int,
    seed: int,
    normalisations: tuple[str, ...],
    aggregations: tuple[str, ...],
    imputations: tuple[str, ...],
    weight_noise: float,
) -> Uncertainty:
    """Ranks under ``runs`` random draws of the methodological choices (fixed ``seed``)."""
    rng = np.random.default_rng(seed)
    combos = list(product(normalisations, aggregations, imputations))
    pick = rng.integers(0, len(combos), size=runs)
    n_i, n_p = len(data.weights), len(data.pillar_weights)
    w = data.weights[None, :] * rng.uniform(1 - weight_noise, 1 + weight_noise, (runs, n_i))
    pw = data.pillar_weights[None, :] * rng.uniform(1 - weight_noise, 1 + weight_noise, (runs, n_p))
    out = np.zeros((runs, len(data.countries)), dtype=int)
    choices: dict[str, int] = {}
    for k, (norm, agg, imp) in enumerate(combos):
        sel = np.flatnonzero(pick == k)
        for name in (norm, agg, imp):
            choices[name] = choices.get(name, 0) + len(sel)
        if not len(sel):
            continue
        x, _ = impute(data.values, imp)
        s = normalise(x, data.sign, data.goalposts, norm)
        _, index = aggregate(s, data, w[sel], pw[sel], agg, norm)
        out[sel] = ranks(index)
    return Uncertainty(
        runs=runs,
        seed=seed,
        median=np.median(out, axis=0),
        p5=np.percentile(out, 5, axis=0, method="lower"),
        p95=np.percentile(out, 95, axis=0, method="higher"),
        ranks=out,
        choices=dict(sorted(choices.items())),
    )


def naive_monte_carlo(
    data: IndexInput,
    runs: int,
    seed: int,
    normalisations: tuple[str, ...],
    aggregations: tuple[str, ...],
    imputations: tuple[str, ...],
    weight_noise: float,
) -> np.ndarray:
    """The same draws scored one run at a time (the benchmark's peer; same ranks)."""
    rng = np.random.default_rng(seed)
    combos = list(product(normalisations, aggregations, imputations))
    pick = rng.integers(0, len(combos), size=runs)
    n_i, n_p = len(data.weights), len(data.pillar_weights)
    w = data.weights[None, :] * rng.uniform(1 - weight_noise, 1 + weight_noise, (runs, n_i))
    pw = data.pillar_weights[None, :] * rng.uniform(1 - weight_noise, 1 + weight_noise, (runs, n_p))
    out = np.zeros((runs, len(data.countries)), dtype=int)
    for r in range(runs):
        norm, agg, imp = combos[pick[r]]
        x, _ = impute(data.values, imp)
        s = normalise(x, data.sign, data.goalposts, norm)
        _, index = aggregate(s, data, w[r : r + 1], pw[r : r + 1], agg, norm)
        out[r] = ranks(index)[0]
    return out
