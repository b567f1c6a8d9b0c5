"""Synthetic data for the core benchmark: a catalog of many indicators, a big store, a CSV.

Everything is deterministic (seeded), so two runs measure the same rows.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import yaml

from chitieu.catalog.units import NATION_ID, UnitRegistry
from chitieu.store.values import NewValue, Store

#: the review period the summary benchmark builds (old provinces shown on today's 34)
SUMMARY_PERIOD = "2023S1"
#: the newest year in the store; data grows backwards from it until the target count
LAST_YEAR = 2026
MERGER = date(2025, 7, 1)
TIME_RULES = ("sum",) * 7 + ("last",) * 2 + ("average",)
DIRECTIONS = ("higher_better",) * 4 + ("lower_better",)


@dataclass(frozen=True)
class BenchIndicator:
    """What the generator and the peers need to know of a synthetic indicator."""

    code: str
    time_rule: str
    direction: str
    national_stored: bool  # the nation's own figure is reported (else provinces are summed)


def indicators(n: int) -> list[BenchIndicator]:
    """``n`` synthetic indicators with a mix of time rules and directions."""
    return [
        BenchIndicator(
            f"BENCH_{i:04d}",
            TIME_RULES[i % len(TIME_RULES)],
            DIRECTIONS[i % len(DIRECTIONS)],
            i % 4 == 0,
        )
        for i in range(1, n + 1)
    ]


def write_catalog(path: Path, inds: list[BenchIndicator]) -> Path:
    """A catalog YAML (for CHITIEU_CATALOG) registering the synthetic indicators."""
    data = {
        "indicators": [
            {
                "code": ind.code,
                "name": {"vi": f"Chỉ tiêu thử {ind.code[6:]}", "en": f"Test indicator {ind.code}"},
                "measure": "ty_dong",
                "value_type": "number",
                "domain": {"min": 0},  # the values are drawn from 10 … 100,000
                "decimals": 1,
                "units_rule": "sum",
                "time_rule": ind.time_rule,
                "direction": ind.direction,
                "group": "ict",
                "templates": {"vi": "{{ value }}", "en": "{{ value }}"},
            }
            for ind in inds
        ]
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def units_at(reg: UnitRegistry, day: date) -> list[str]:
    """Province ids valid on ``day``."""
    return [u.id for u in reg.provinces(day)]


def _value(rng: random.Random) -> float:
    return round(rng.uniform(10, 100_000), 1)


def year_values(
    reg: UnitRegistry, inds: list[BenchIndicator], year: int, rng: random.Random
) -> Iterator[NewValue]:
    """Monthly actuals of every indicator × unit valid that month, then annual plans."""
    for m in range(1, 13):
        day = date(year, m, 1)
        provinces = units_at(reg, day)
        period = f"{year}{m:02d}"
        for ind in inds:
            if ind.national_stored:
                yield NewValue(ind.code, NATION_ID, period, "actual", _value(rng) * 40)
            for u in provinces:
                yield NewValue(ind.code, u, period, "actual", _value(rng))
    provinces = units_at(reg, date(year, 12, 31))
    for ind in inds:
        if ind.time_rule != "sum":
            continue
        for u in provinces:
            yield NewValue(ind.code, u, str(year), "plan", _value(rng) * 12, "final")


def year_size(reg: UnitRegistry, inds: list[BenchIndicator], year: int) -> int:
    """How many values :func:`year_values` yields for ``year``."""
    nat = sum(i.national_stored for i in inds)
    months = sum(len(units_at(reg, date(year, m, 1))) for m in range(1, 13))
    plans = sum(i.time_rule == "sum" for i in inds) * len(units_at(reg, date(year, 12, 31)))
    return months * len(inds) + 12 * nat + plans


def years_for(reg: UnitRegistry, inds: list[BenchIndicator], target: int) -> list[int]:
    """Years back from LAST_YEAR whose values add up to at least ``target`` (at least 3)."""
    years: list[int] = []
    total = 0
    while total < target or len(years) < 3 or LAST_YEAR - len(years) >= 2022:
        y = LAST_YEAR - len(years)
        years.append(y)
        total += year_size(reg, inds, y)
    return sorted(years)


def fill_store(
    store: Store, reg: UnitRegistry, inds: list[BenchIndicator], years: list[int], seed: int = 7
) -> int:
    """Write every year as one batch (Store.write), plus a batch of revisions; return rows."""
    rng = random.Random(seed)
    total = 0
    for i, y in enumerate(years):
        vals = list(year_values(reg, inds, y, rng))
        store.write(vals, source="bench", created_by="bench", at=datetime(y + 1, 1, 15))
        total += len(vals)
        # 2 % of the year's monthly values are revised later (a second vintage of the key)
        revised = [
            NewValue(v.indicator, v.unit, v.period, v.kind, _value(rng))
            for v in vals[::50]
            if v.kind == "actual"
        ]
        store.write(revised, source="bench", created_by="bench", at=datetime(y + 1, 3, 1, 0, i))
        total += len(revised)
    return total


def write_import_csv(
    path: Path, reg: UnitRegistry, inds: list[BenchIndicator], years: list[int], rows: int
) -> int:
    """A resubmission file of ``rows`` values, newest months first, as a province would type it.

    Vietnamese header and kinds, province codes, Vietnamese decimal commas ("12345,6").
    """
    rng = random.Random(11)
    codes = {u.id: u.code for u in reg.all()}
    codes[NATION_ID] = "VN"
    n = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Mã chỉ tiêu", "Tỉnh", "Kỳ", "Giá trị", "Loại"])
        for y in sorted(years, reverse=True):
            for m in range(12, 0, -1):
                period = f"{y}{m:02d}"
                provinces = units_at(reg, date(y, m, 1))
                for ind in inds:
                    for u in ([NATION_ID] if ind.national_stored else []) + provinces:
                        if n >= rows:
                            return n
                        v = f"{_value(rng):.1f}".replace(".", ",")
                        w.writerow([ind.code, codes[u], period, v, "thực hiện"])
                        n += 1
    return n
