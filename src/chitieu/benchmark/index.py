"""The composite index, following the OECD/JRC Handbook on Constructing Composite Indicators.

Steps, in the Handbook's order: impute (in raw units, flagged) → handle direction (values and
goalposts of a lower-is-better indicator are negated) → normalise (min–max, fixed goalposts or
z-score) → weight → aggregate indicators into pillars and pillars into the index (arithmetic
or geometric; for the geometric mean the scores are first rescaled to [1, 100]). A country
is scored only if it has enough indicators (the data-availability threshold). The functions
are vectorised over sets of weights so the Monte Carlo analysis reuses them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class Config:
    """The methodological choices of one index computation."""

    normalisation: str = "minmax"
    aggregation: str = "arithmetic"
    imputation: str = "mean"


@dataclass
class IndexInput:
    """Raw values (countries × indicators, NaN = missing) and the structure that scores them."""

    countries: list[str]
    indicators: list[str]
    values: Array  # C × I, raw units, NaN where missing
    sign: Array  # I: +1 higher is better, −1 lower is better
    goalposts: Array  # I × 2: (low, high) in raw units
    pillar_of: Array  # I: index of the indicator's pillar
    weights: Array  # I: indicator weights (within the pillar)
    pillar_weights: Array  # P
    log: Array | None = None  # I bool: values and goalposts are log10(1 + x) (see treat)


@dataclass
class IndexResult:
    """Scores of one configuration: per country the index and pillars, and the ranks."""

    config: Config
    normalised: Array  # C × I (after imputation), NaN where missing and not imputed
    imputed: Array  # C × I bool
    pillars: Array  # C × P, NaN where a pillar has no data
    index: Array  # C
    rank: Array  # C, 1 = best


def treat(x: Array, log: Array) -> Array:
    """The Handbook's treatment step: log10(1 + x) for heavy-tailed indicators."""
    with np.errstate(all="ignore"):
        return np.where(log[None, :] if x.ndim == 2 else log, np.log10(1.0 + x), x)


def untreat(x: Array, log: Array | None) -> Array:
    """Back to raw units (for reporting an imputed value); no ``log``: nothing was treated."""
    if log is None:
        return x
    with np.errstate(all="ignore"):
        return np.where(log[None, :] if x.ndim == 2 else log, 10.0**x - 1.0, x)


def impute(x: Array, method: str) -> tuple[Array, Array]:
    """Fill missing values with the indicator's mean or median; 'none' leaves them missing."""
    missing = np.isnan(x)
    if method == "none" or not missing.any():
        return x.copy(), np.zeros_like(missing)
    stat = np.nanmean if method == "mean" else np.nanmedian
    with np.errstate(all="ignore"):
        fill = np.array([stat(col) if (~np.isnan(col)).any() else np.nan for col in x.T])
    out = np.where(missing, fill[None, :], x)
    return out, missing & ~np.isnan(out)


def normalise(x: Array, sign: Array, goalposts: Array, method: str) -> Array:
    """Scores per indicator; direction is applied first, so higher is always better."""
    v = x * sign[None, :]
    lo_hi = np.sort(goalposts * sign[:, None], axis=1)  # negated goalposts swap ends
    with np.errstate(all="ignore"):
        if method == "goalposts":
            lo, hi = lo_hi[:, 0], lo_hi[:, 1]
            return np.clip((v - lo) / (hi - lo), 0.0, 1.0) * 100.0
        if method == "minmax":
            lo, hi = np.nanmin(v, axis=0), np.nanmax(v, axis=0)
            span = np.where(hi > lo, hi - lo, np.nan)
            s = (v - lo) / span * 100.0
            return np.where(np.isnan(span)[None, :] & ~np.isnan(v), 50.0, s)
        if method == "zscore":
            n = (~np.isnan(v)).sum(axis=0)
            mean = np.nanmean(np.where(n > 0, v, 0.0), axis=0)
            dev = np.where(np.isnan(v), 0.0, v - mean) ** 2
            sd = np.sqrt(dev.sum(axis=0) / np.maximum(n - 1, 1))  # sample sd, as COINr
            sd = np.where(sd > 0, sd, np.nan)
            z = (v - mean) / sd
            return np.where(np.isnan(sd)[None, :] & ~np.isnan(v), 0.0, z)
    raise ValueError(f"unknown normalisation {method!r}")


def for_geometric(s: Array, method: str) -> Array:
    """Rescale normalised scores to [1, 100] so that a geometric mean is defined."""
    if method in ("minmax", "goalposts"):
        return 1.0 + 0.99 * s
    lo, hi = np.nanmin(s, axis=0), np.nanmax(s, axis=0)
    span = np.where(hi > lo, hi - lo, np.nan)
    r = 1.0 + 99.0 * (s - lo) / span
    return np.where(np.isnan(span)[None, :] & ~np.isnan(s), 50.5, r)


def _weighted(values: Array, mask: Array, w: Array, group: Array, n: int, geo: bool) -> Array:
    """Weighted means of ``values`` (C × K) over groups of columns, for each weight set.

    ``w`` is R × K; returns R × C × n; a group with no value is NaN.
    """
    onehot = np.zeros((values.shape[1], n))
    onehot[np.arange(values.shape[1]), group] = 1.0
    v = np.where(mask, values, 0.0)
    if geo:
        v = np.where(mask, np.log(np.where(mask, values, 1.0)), 0.0)
    wm = w[:, None, :] * mask[None, :, :]  # R × C × K
    num = (wm * v[None, :, :]) @ onehot
    den = wm @ onehot
    with np.errstate(all="ignore"):
        out = num / den
    out = np.where(den > 0, out, np.nan)
    return np.exp(out) if geo else out


def ranks(scores: Array) -> Array:
    """Competition ranks along the last axis (1 = highest; ties share the better rank)."""
    s = np.where(np.isnan(scores), -np.inf, scores)
    return 1 + (s[..., None, :] > s[..., :, None]).sum(axis=-1)


def aggregate(
    s: Array, data: IndexInput, w: Array, pw: Array, aggregation: str, normalisation: str
) -> tuple[Array, Array]:
    """Pillar scores (R × C × P) and index (R × C) for R sets of weights."""
    geo = aggregation == "geometric"
    if geo:
        s = for_geometric(s, normalisation)
    mask = ~np.isnan(s)
    n_p = len(data.pillar_weights)
    pillars = _weighted(s, mask, w, data.pillar_of, n_p, geo)
    have = ~np.isnan(pillars)
    v = np.where(have, pillars, 1.0 if geo else 0.0)
    v = np.log(v) if geo else v
    wm = pw[:, None, :] * have
    with np.errstate(all="ignore"):
        index = (wm * v).sum(axis=-1) / wm.sum(axis=-1)
    index = np.exp(index) if geo else index
    return pillars, np.where(have.any(axis=-1), index, np.nan)


def composite(data: IndexInput, config: Config) -> IndexResult:
    """The index of every country under one configuration, with the framework's weights."""
    x, imputed = impute(data.values, config.imputation)
    s = normalise(x, data.sign, data.goalposts, config.normalisation)
    pillars, index = aggregate(
        s,
        data,
        data.weights[None, :],
        data.pillar_weights[None, :],
        config.aggregation,
        config.normalisation,
    )
    return IndexResult(config, s, imputed, pillars[0], index[0], ranks(index)[0])


def coverage_filter(values: Array, min_coverage: float, min_countries: int) -> tuple[Array, Array]:
    """Countries and indicators that enter the index (boolean masks C and I).

    An indicator needs data for ``min_countries`` scored countries; a country needs data for
    ``min_coverage`` of the indicators in the index. Both rules are applied until stable.
    """
    have = ~np.isnan(values)
    rows = np.ones(values.shape[0], bool)
    cols = have.sum(axis=0) >= min_countries
    for _ in range(10):
        n_cols = max(int(cols.sum()), 1)
        new_rows = have[:, cols].sum(axis=1) >= min_coverage * n_cols - 1e-9
        new_cols = have[new_rows].sum(axis=0) >= min_countries
        if (new_rows == rows).all() and (new_cols == cols).all():
            break
        rows, cols = new_rows, new_cols
    return rows, cols
