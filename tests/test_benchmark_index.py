"""The composite index on a worked example computed by hand, and its building blocks."""

import math

import numpy as np
import pytest

from chitieu.benchmark.index import (
    Config,
    IndexInput,
    composite,
    coverage_filter,
    impute,
    normalise,
    ranks,
)
from chitieu.benchmark.uncertainty import monte_carlo, naive_monte_carlo

# Three countries A, B, C; four indicators in two pillars, equal weights everywhere.
#   i1 (pillar P1, higher is better): A 10,  B 20,  C 30
#   i2 (pillar P1, LOWER is better):  A 2,   B 4,   C 10
#   i3 (pillar P2, higher is better): A 5,   B 1,   C 3
#   i4 (pillar P2, higher is better): A 0.2, B 0.6, C 1.0
EXAMPLE = IndexInput(
    countries=["A", "B", "C"],
    indicators=["i1", "i2", "i3", "i4"],
    values=np.array([[10, 2, 5, 0.2], [20, 4, 1, 0.6], [30, 10, 3, 1.0]], dtype=float),
    sign=np.array([1, -1, 1, 1], dtype=float),
    goalposts=np.array([[0, 40], [0, 20], [0, 10], [0, 2]], dtype=float),
    pillar_of=np.array([0, 0, 1, 1]),
    weights=np.ones(4),
    pillar_weights=np.ones(2),
)

# Min–max normalisation, direction first (i2 is negated: −2, −4, −10; min −10, max −2):
#   i1: (10−10)/20 = 0,   (20−10)/20 = 50,  (30−10)/20 = 100
#   i2: (−2+10)/8 = 100,  (−4+10)/8 = 75,   (−10+10)/8 = 0
#   i3: (5−1)/4 = 100,    (1−1)/4 = 0,      (3−1)/4 = 50
#   i4: (0.2−0.2)/0.8 = 0, (0.6−0.2)/0.8 = 50, (1−0.2)/0.8 = 100
NORMALISED = [[0, 100, 100, 0], [50, 75, 0, 50], [100, 0, 50, 100]]


def test_min_max_normalisation_handles_direction_first():
    s = normalise(EXAMPLE.values, EXAMPLE.sign, EXAMPLE.goalposts, "minmax")
    assert s == pytest.approx(np.array(NORMALISED, dtype=float))


def test_worked_example_arithmetic():
    # Pillars are the means of their indicators:
    #   P1: A (0+100)/2 = 50,   B (50+75)/2 = 62.5, C (100+0)/2 = 50
    #   P2: A (100+0)/2 = 50,   B (0+50)/2 = 25,    C (50+100)/2 = 75
    # Index = mean of the pillars: A (50+50)/2 = 50, B (62.5+25)/2 = 43.75, C (50+75)/2 = 62.5
    # Ranks: C 1st, A 2nd, B 3rd.
    r = composite(EXAMPLE, Config("minmax", "arithmetic", "none"))
    assert r.pillars == pytest.approx(np.array([[50, 50], [62.5, 25], [50, 75]], dtype=float))
    assert r.index == pytest.approx([50, 43.75, 62.5])
    assert r.rank.tolist() == [2, 3, 1]


def test_worked_example_geometric():
    # Scores are rescaled to [1, 100] first: s' = 1 + 0.99 s
    #   i1: 1, 50.5, 100    i2: 100, 75.25, 1    i3: 100, 1, 50.5    i4: 1, 50.5, 100
    # Pillars are geometric means:
    #   P1: A √(1·100) = 10,  B √(50.5·75.25) = √3800.125 ≈ 61.6451,  C √(100·1) = 10
    #   P2: A √(100·1) = 10,  B √(1·50.5) ≈ 7.1063,                   C √(50.5·100) ≈ 71.0634
    # Index = geometric mean of the pillars (= 4th root of the four scores, weights equal):
    #   A ⁴√(1·100·100·1) = ⁴√10000 = 10
    #   B ⁴√(50.5·75.25·1·50.5) = ⁴√191906.28 ≈ 20.930
    #   C ⁴√(100·1·50.5·100) = ⁴√505000 ≈ 26.658
    # Ranks: C 1st, B 2nd, A 3rd — A's unbalanced profile (0s and 100s) is no longer
    # compensated, so A and B swap places compared with the arithmetic mean.
    r = composite(EXAMPLE, Config("minmax", "geometric", "none"))
    assert r.pillars[:, 0] == pytest.approx([10, math.sqrt(50.5 * 75.25), 10])
    assert r.pillars[:, 1] == pytest.approx([10, math.sqrt(50.5), math.sqrt(5050)])
    assert r.index == pytest.approx([10, 191906.28125**0.25, 505000**0.25])
    assert r.index == pytest.approx([10, 20.930, 26.658], abs=1e-3)
    assert r.rank.tolist() == [3, 2, 1]


def test_weights_change_the_result_as_expected():
    # Doubling the weight of i1 in P1: A (2·0+100)/3 = 33.33, B (2·50+75)/3 = 58.33,
    # C (2·100+0)/3 = 66.67; index A (33.33+50)/2 = 41.67, B 41.67, C 70.83.
    data = IndexInput(**{**EXAMPLE.__dict__, "weights": np.array([2.0, 1, 1, 1])})
    r = composite(data, Config("minmax", "arithmetic", "none"))
    assert r.index == pytest.approx([125 / 3, 125 / 3, 70.8333], abs=1e-4)
    assert r.rank[2] == 1 and set(r.rank[:2].tolist()) <= {2, 3}


def test_goalposts_are_fixed_and_capped():
    s = normalise(
        np.array([[50.0], [20.0], [-5.0]]), np.array([1.0]), np.array([[0, 40.0]]), "goalposts"
    )
    assert s[:, 0].tolist() == [100, 50, 0]
    # lower is better: 4 of goalposts (0, 20) scores (20−4)/20 = 80
    s = normalise(np.array([[4.0]]), np.array([-1.0]), np.array([[0, 20.0]]), "goalposts")
    assert s[0, 0] == pytest.approx(80)


def test_zscore_uses_the_sample_sd_after_direction():
    s = normalise(np.array([[1.0], [2.0], [3.0]]), np.array([-1.0]), np.array([[0, 1.0]]), "zscore")
    assert s[:, 0] == pytest.approx([1, 0, -1])  # mean 2, sd 1, negated


def test_imputation_is_flagged_and_missing_is_reweighted_when_not_imputed():
    x = EXAMPLE.values.copy()
    x[0, 2] = np.nan  # A's i3 is missing
    filled, flags = impute(x, "mean")
    assert filled[0, 2] == pytest.approx(2.0) and flags.tolist()[0] == [False, False, True, False]
    assert impute(x, "median")[0][0, 2] == pytest.approx(2.0)
    data = IndexInput(**{**EXAMPLE.__dict__, "values": x})
    r = composite(data, Config("minmax", "arithmetic", "none"))
    # i3 now spans B 1 … C 3: B 0, C 100; A's P2 is its i4 alone: 0 → index (50 + 0)/2 = 25
    assert r.pillars[0].tolist() == [50, 0] and r.index[0] == 25
    assert not r.imputed.any()


def test_coverage_threshold_and_minimum_countries():
    x = np.array([[1, 2, np.nan], [1, np.nan, np.nan], [1, 2, 3], [np.nan, np.nan, 4]])
    rows, cols = coverage_filter(x, 0.6, 2)
    # column 3 has 2 countries but one of them (row 4) is dropped, so it falls out too;
    # then coverage is over columns 1–2: rows 1 and 3 have both, row 2 has one (50% < 60%).
    assert cols.tolist() == [True, True, False]
    assert rows.tolist() == [True, False, True, False]


def test_ranks_share_ties():
    assert ranks(np.array([3.0, 5.0, 3.0, np.nan])).tolist() == [2, 1, 2, 4]


def test_monte_carlo_is_reproducible_and_matches_the_naive_loop():
    args = (EXAMPLE, 200, 7, ("minmax", "goalposts", "zscore"), ("arithmetic", "geometric"),
            ("none", "mean"), 0.25)  # fmt: skip
    a, b = monte_carlo(*args), monte_carlo(*args)
    assert (a.ranks == b.ranks).all()
    assert (a.ranks == naive_monte_carlo(*args)).all()
    # C is first in most runs; weight noise and other normalisations sometimes put B ahead
    assert a.median[2] == 1 and a.p5[2] == 1 and (a.ranks[:, 2] == 1).mean() > 0.5
    assert ((a.p5 <= a.median) & (a.median <= a.p95)).all() and a.ranks.max() <= 3
    assert sum(a.choices[k] for k in ("arithmetic", "geometric")) == 200
