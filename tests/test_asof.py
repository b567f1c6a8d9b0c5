"""The as-of read (store/asof.py): the current slabs rolled back by the batches recorded after the
instant give exactly what the vintages give read in full, and the facts as of a time are the
facts as they stood then (SQLite and PostgreSQL)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from chitieu.analyze.facts import facts
from chitieu.store import asof, pending
from chitieu.store.rows import NewValue

UNITS = ["01@63", "79@63", "01@34", "VN"]
PERIODS = [
    "2023S1",
    "202301",
    "202302",
    "202303",
    "202304",
    "202305",
    "202306",
    "2023Q1",
    "2023",
    "2022",
    "202212",
    "2022S2",
    "202201",
]
T0 = datetime(2023, 1, 1)
#: flows, a stock (last) and an average: every time rule of the cube
INDICATORS = ["ICT_REVENUE", "ICT_BUDGET", "ICT_LABOUR", "POPULATION"]


def _live(slabs):
    return {(s.key, k): v for s in slabs for k, v in s.values().items()}


def _history(store, rng, steps, *, backdated):
    """Writes of random keys (small ones pending, some deletions); with ``backdated``, some
    written later carry an earlier time. Returns the batches' times."""
    times = []
    for step in range(steps):
        n = rng.choice([1, 1, 2, 3, 8])  # 8 ≥ FOLD_FROM: a folding write
        batch = {}
        for _ in range(n):
            key = (rng.choice(["ICT_REVENUE", "ICT_BUDGET"]), rng.choice(UNITS),
                   rng.choice(PERIODS), rng.choice(["actual", "estimate"]))  # fmt: skip
            batch[key] = None if rng.random() < 0.1 else float(rng.randint(1, 10**6))
        at = T0 + timedelta(days=step)
        if backdated and rng.random() < 0.25:
            at = T0 + timedelta(days=rng.randint(0, step), hours=1)
        store.write([NewValue(*k, v) for k, v in batch.items()], source="t", created_by="t", at=at)
        times.append(at)
    return times


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rolled_back_slabs_are_what_the_vintages_give(store, monkeypatch, seed):
    monkeypatch.setattr(pending, "FOLD_FROM", 6)
    monkeypatch.setattr(pending, "PENDING_MAX", 15)
    rng = random.Random(seed)
    times = _history(store, rng, 30, backdated=True)
    instants = [*sorted(set(times))[::3], T0 - timedelta(days=1), max(times) + timedelta(days=1)]
    instants += [t + timedelta(microseconds=1) for t in times[::5]]
    instants += [t - timedelta(microseconds=1) for t in times[::5]]
    for t in instants:
        fast = store.slabs_as_of([2022, 2023], t)
        full = store.slabs_from_vintages([2022, 2023], t)
        assert _live(fast) == _live(full), t


def test_most_of_a_year_late_reads_the_range(store, monkeypatch):
    """Before most of a year's values arrived the year is read in one range: same result."""
    monkeypatch.setattr(asof, "_RANGE_FROM", 0)
    monkeypatch.setattr(asof, "_RANGE_SHARE", 0.0)
    rng = random.Random(4)
    times = _history(store, rng, 12, backdated=False)
    for t in times:
        assert _live(store.slabs_as_of([2022, 2023], t)) == _live(
            store.slabs_from_vintages([2022, 2023], t)
        )


def _table(fs):
    return {(f.indicator, f.unit): (f.value, f.kind, f.previous, f.change_pct, f.rank) for f in fs}


def test_facts_as_of_each_write_are_the_facts_seen_then(store, monkeypatch):
    """After every write the current facts are kept; read back as of that write's time (and
    a moment later, before the next write) they are the same."""
    monkeypatch.setattr(pending, "FOLD_FROM", 6)
    monkeypatch.setattr(pending, "PENDING_MAX", 15)
    rng = random.Random(5)
    seen = []
    for step in range(20):
        n = rng.choice([1, 2, 8, 12])
        batch = {
            (rng.choice(INDICATORS), rng.choice(UNITS),
             rng.choice(PERIODS), "actual"): float(rng.randint(1, 10**6))
            for _ in range(n)
        }  # fmt: skip
        at = T0 + timedelta(days=step)
        store.write([NewValue(*k, v) for k, v in batch.items()], source="t", created_by="t", at=at)
        seen.append((at, _table(facts(store, "2023S1")), _table(facts(store, "2023"))))
    for at, half, year in seen:
        for t in (at, at + timedelta(hours=12)):
            assert _table(facts(store, "2023S1", as_of=t)) == half, t
            assert _table(facts(store, "2023", as_of=t)) == year, t
    assert _table(facts(store, "2023S1", as_of=T0 - timedelta(seconds=1))) == _table(
        facts(store, "2023S1", as_of=datetime(2000, 1, 1))
    )
