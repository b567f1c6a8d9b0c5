"""The publishing benchmark of a year: indicator values, index, ranks and their uncertainty.

``cached_benchmark`` keeps the results of this process per store, data version and year: the
data version (``Store.data_version``) counts batches, and every import of Viet Nam's figures
or of peer reference rows is a batch, so a revised figure is never served from the cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from chitieu.analyze.cache import VersionedCache, version_key
from chitieu.store.values import Store

from .compute import Computed, compute, window_years
from .framework import Framework, framework
from .index import Config, IndexInput, composite, coverage_filter, impute, treat, untreat
from .reference import VnFacts, load_reference
from .uncertainty import monte_carlo


def _num(x: Any) -> float | None:
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else float(x)


@dataclass
class CountryResult:
    """One country's place in the benchmark."""

    iso3: str
    region: str | None
    scored: bool
    available: int  # indicators of the index with data
    of: int  # indicators in the index
    index: float | None = None
    rank: int | None = None
    rank_median: float | None = None
    rank_p5: int | None = None
    rank_p95: int | None = None
    pillars: dict[str, float | None] = field(default_factory=dict)
    values: dict[str, Computed] = field(default_factory=dict)
    normalised: dict[str, float | None] = field(default_factory=dict)
    imputed: dict[str, float] = field(default_factory=dict)  # imputed raw values


@dataclass
class BenchmarkResult:
    """Everything ``chitieu benchmark publishing`` reports."""

    year: int
    fw: Framework
    config: Config
    in_index: list[str]
    countries: list[CountryResult]
    runs: int
    seed: int
    choices: dict[str, int]

    def country(self, iso3: str) -> CountryResult:
        """The result of one country."""
        return next(c for c in self.countries if c.iso3 == iso3)

    @property
    def scored(self) -> list[CountryResult]:
        """Countries in the index, best first."""
        return [c for c in self.countries if c.scored]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: method, indicators, countries (every input with its source)."""
        fw, m = self.fw, self.fw.method
        with_data = {i.code: sum(i.code in c.values for c in self.countries) for i in fw.indicators}
        scored_data = {i.code: sum(i.code in c.values for c in self.scored) for i in fw.indicators}
        return {
            "year": self.year,
            "framework": fw.version,
            "method": {
                "window": {"from": self.year - m.before, "to": self.year + m.after},
                "min_coverage": m.min_coverage,
                "min_countries": m.min_countries,
                "normalisation": self.config.normalisation,
                "aggregation": self.config.aggregation,
                "imputation": self.config.imputation,
                "uncertainty": {
                    "runs": self.runs,
                    "seed": self.seed,
                    "weight_noise": m.weight_noise,
                    "choices": self.choices,
                },
            },
            "pillars": [
                {"code": p.code, "name": p.name.__dict__, "weight": p.weight} for p in fw.pillars
            ],
            "indicators": [
                {
                    "code": i.code,
                    "pillar": i.pillar,
                    "name": i.name.__dict__,
                    "unit": i.unit.__dict__,
                    "direction": i.direction,
                    "weight": i.weight,
                    "goalposts": list(i.goalposts),
                    "definition": i.definition.__dict__,
                    "caveats": i.caveats.__dict__,
                    "in_index": i.code in self.in_index,
                    "countries_with_data": with_data[i.code],
                    "scored_countries_with_data": scored_data[i.code],
                }
                for i in fw.indicators
            ],
            "countries": [self._country_dict(c) for c in self.countries],
        }

    def _country_dict(self, c: CountryResult) -> dict[str, Any]:
        return {
            "iso3": c.iso3,
            "name": self.fw.countries[c.iso3].__dict__,
            "region": c.region,
            "scored": c.scored,
            "coverage": {
                "available": c.available,
                "of": c.of,
                "share": round(c.available / c.of, 4) if c.of else 0.0,
                "imputed": len(c.imputed),
            },
            "index": c.index,
            "rank": c.rank,
            "rank_median": c.rank_median,
            "rank_interval": [c.rank_p5, c.rank_p95] if c.scored else None,
            "pillars": c.pillars,
            "indicators": {
                i.code: (
                    {
                        **c.values[i.code].to_dict(),
                        "normalised": c.normalised.get(i.code),
                        "imputed": False,
                    }
                    if i.code in c.values
                    else {
                        "value": c.imputed.get(i.code),
                        "imputed": i.code in c.imputed,
                        "normalised": c.normalised.get(i.code),
                        "gap": True,
                    }
                )
                for i in self.fw.indicators
            },
        }


def index_input(
    fw: Framework, values: dict[tuple[str, str], Computed], countries: list[str], codes: list[str]
) -> IndexInput:
    """The numeric input of the index for these countries and indicators."""
    inds = [fw.indicator(c) for c in codes]
    pillars = [p.code for p in fw.pillars]
    used = sorted({pillars.index(i.pillar) for i in inds})
    remap = {p: k for k, p in enumerate(used)}
    x = np.array(
        [[values[(c, i)].value if (c, i) in values else np.nan for i in codes] for c in countries],
        dtype=float,
    ).reshape(len(countries), len(codes))
    log = np.array([i.transform == "log" for i in inds], dtype=bool)
    goalposts = np.array([i.goalposts for i in inds], dtype=float).reshape(len(inds), 2)
    return IndexInput(
        countries=countries,
        indicators=codes,
        values=treat(x, log),
        sign=np.array([i.sign for i in inds], dtype=float),
        goalposts=treat(goalposts.T, log).T,
        pillar_of=np.array([remap[pillars.index(i.pillar)] for i in inds], dtype=int),
        weights=np.array([i.weight for i in inds], dtype=float),
        pillar_weights=np.array([fw.pillars[p].weight for p in used], dtype=float),
        log=log,
    )


def run_benchmark(
    store: Store | None,
    year: int,
    *,
    runs: int | None = None,
    config: Config | None = None,
    fw: Framework | None = None,
    facts: VnFacts | None = None,
    as_of: datetime | None = None,
) -> BenchmarkResult:
    """Benchmark Viet Nam (from the store) against the peers (reference data) for ``year``.

    ``facts`` gives Viet Nam's fact sets of the window's years (a report passes its own load);
    ``as_of``: the store's figures as they stood then.
    """
    fw = fw or framework()
    m = fw.method
    config = config or Config(m.normalisation, m.aggregation, m.imputation)
    runs = m.runs if runs is None else runs
    data = load_reference(
        store, sorted(window_years(year, m.before + 1, m.after)), fw, facts, as_of
    )
    values = compute(data, fw, year)
    everyone = list(fw.countries)
    all_codes = [i.code for i in fw.indicators]
    full = index_input(fw, values, everyone, all_codes)
    rows, cols = coverage_filter(full.values, m.min_coverage, m.min_countries)
    codes = [c for c, keep in zip(all_codes, cols, strict=True) if keep]
    scored = [c for c, keep in zip(everyone, rows, strict=True) if keep]
    results = {
        c: CountryResult(
            c,
            fw.region_of(c),
            c in scored,
            sum((c, i) in values for i in codes),
            len(codes),
            values={i: values[(c, i)] for i in all_codes if (c, i) in values},
        )
        for c in everyone
    }
    choices: dict[str, int] = {}
    if scored and codes:
        data_in = index_input(fw, values, scored, codes)
        res = composite(data_in, config)
        unc = monte_carlo(
            data_in, runs, m.seed, m.normalisations, m.aggregations, m.imputations, m.weight_noise
        )
        choices = unc.choices
        used_pillars = [
            p for p in fw.pillars if any(fw.indicator(i).pillar == p.code for i in codes)
        ]
        x_imp = untreat(impute(data_in.values, config.imputation)[0], data_in.log)
        for k, c in enumerate(scored):
            r = results[c]
            r.index, r.rank = _num(res.index[k]), int(res.rank[k])
            r.rank_median = float(unc.median[k])
            r.rank_p5, r.rank_p95 = unc.interval(k)
            r.pillars = {p.code: _num(res.pillars[k, j]) for j, p in enumerate(used_pillars)}
            r.normalised = {i: _num(res.normalised[k, j]) for j, i in enumerate(codes)}
            r.imputed = {i: float(x_imp[k, j]) for j, i in enumerate(codes) if res.imputed[k, j]}
    order = sorted(
        results.values(), key=lambda r: (not r.scored, r.rank or 0, -r.available, r.iso3)
    )
    return BenchmarkResult(year, fw, config, codes, order, runs, m.seed, choices)


#: benchmark results of this process: (database, data version, year) → result
_CACHE: VersionedCache[BenchmarkResult] = VersionedCache(8)


def cached_benchmark(store: Store, year: int, facts: VnFacts | None = None) -> BenchmarkResult:
    """``run_benchmark(store, year)``, computed again only when the store's data changed.

    ``facts``, if given, must give the store's current fact sets (a report's own load).
    """
    return _CACHE.get_or_make(
        version_key(store, year), lambda: run_benchmark(store, year, facts=facts)
    )
