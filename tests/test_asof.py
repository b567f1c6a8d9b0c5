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


# --- slabs that held nothing yet (store/since.py, migration 0020) ------------------------------


def _since(store):
    from sqlalchemy import select

    from chitieu.store.schema import slab_since

    with store.engine.connect() as conn:
        rows = conn.execute(select(slab_since)).all()
    return {(int(y), i): at for y, i, at in rows}


def test_a_slabs_first_time_is_its_earliest_vintage(store, monkeypatch):
    """Kept by every write (pending ones, backdated ones included), it is what one pass over
    the vintages gives (the migration's backfill)."""
    from sqlalchemy import select

    from chitieu.store import since
    from chitieu.store.schema import observation

    monkeypatch.setattr(pending, "FOLD_FROM", 6)
    _history(store, random.Random(6), 25, backdated=True)
    for day in (30, 2):  # a slab's first write, then one recorded before it (a backfill)
        store.write([NewValue("TEL_REVENUE", "01@34", f"2023{day % 12:02d}", "actual", 1.0)],
                    source="t", created_by="t", at=T0 + timedelta(days=day))  # fmt: skip
    kept = _since(store)
    assert kept[(2023, "TEL_REVENUE")] == T0 + timedelta(days=2)
    o = observation
    with store.engine.connect() as conn:
        got = conn.execute(select(o.c.period, o.c.indicator, o.c.created_at)).all()
    first: dict = {}
    for period, ind, at in got:
        k = (int(period[:4]), ind)
        first[k] = min(first.get(k, at), at)
    assert kept == first
    with store.engine.begin() as conn:
        since.rebuild(conn)
    assert _since(store) == first


def _full(fs):
    return {(f.indicator, f.unit): f.to_dict() for f in fs}


@pytest.mark.parametrize("seed", [7, 8])
def test_facts_of_slabs_unborn_then_are_the_exact_ones(store, monkeypatch, seed):
    """A slab whose first vintage came after the instant is taken as empty without reading
    its vintages; with backdated and pending writes the facts are those of the exact roll
    back (the same read with no slab's first time known)."""
    from sqlalchemy import text

    from chitieu.analyze.facts import clear_cache

    monkeypatch.setattr(pending, "FOLD_FROM", 6)
    monkeypatch.setattr(pending, "PENDING_MAX", 15)
    rng = random.Random(seed)
    times = _history(store, rng, 20, backdated=False)
    # a backdated small write (pending) to a slab that had none before: earlier than its
    # first time, so the slab is not empty at an instant between the two
    back = T0 + timedelta(days=2, hours=3)
    folded = [
        NewValue("TEL_REVENUE", u, p, "actual", 7.0)
        for u in UNITS[2:]
        for p in ("2023S1", "202303", "202304")
    ]  # fmt: skip  (6 ≥ FOLD_FROM: stored)
    store.write(folded, source="t", created_by="t", at=T0 + timedelta(days=30))
    store.write([NewValue("TEL_REVENUE", "79@63", "2023S1", "actual", 5.0)],
                source="t", created_by="t", at=back)  # fmt: skip
    instants = [T0 - timedelta(days=1), back - timedelta(seconds=1), back, *times[::4]]
    fast = {}
    for t in instants:
        clear_cache()
        fast[t] = (_full(facts(store, "2023S1", as_of=t)), _full(facts(store, "2022", as_of=t)))
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM slab_since"))
    for t in instants:
        clear_cache()
        exact = (_full(facts(store, "2023S1", as_of=t)), _full(facts(store, "2022", as_of=t)))
        assert fast[t] == exact, t


@pytest.mark.parametrize("fold", [False, True])
def test_an_instant_before_a_years_data_reads_none_of_its_vintages(store, monkeypatch, fold):
    """Before its first vintage a slab is known empty from ``slab_since``: neither rolled back
    key by key nor read back in a range (what made SQLite at T2 slow, issue 17) — a stored
    slab (``fold``) or one of pending values only."""
    from chitieu.analyze.facts import clear_cache

    if fold:
        monkeypatch.setattr(pending, "FOLD_FROM", 6)

    store.write([NewValue("ICT_REVENUE", u, p, "actual", 10.0) for u in UNITS for p in PERIODS
                 if p.startswith("2022")], source="t", created_by="t", at=T0)  # fmt: skip
    store.write([NewValue("ICT_REVENUE", u, p, "actual", 12.0) for u in UNITS for p in PERIODS
                 if p.startswith("2023")], source="t", created_by="t",
                at=T0 + timedelta(days=200))  # fmt: skip
    clear_cache()
    before = _full(facts(store, "2023S1", as_of=T0 + timedelta(days=100)))

    def refused(*_a, **_k):
        raise AssertionError("an unborn slab's vintages were read")

    monkeypatch.setattr(asof, "read_as_of", refused)
    monkeypatch.setattr(asof, "vintages_of", refused)
    clear_cache()
    got = _full(facts(store, "2023S1", as_of=T0 + timedelta(days=100)))
    assert got == before
    assert all(
        f["value"] is None and f["previous"] == 10.0 for f in got.values() if f["unit"] == "VN"
    )
