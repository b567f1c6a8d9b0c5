"""The current-value slabs: every write merged in leaves what replaying the writes gives, and
what a rebuild from the vintages gives (SQLite and PostgreSQL)."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chitieu.store.current import merge, rebuild_slabs
from chitieu.store.rows import NewValue, Rows

KEYS = st.tuples(
    st.sampled_from(["ICT_REVENUE", "ICT_BUDGET", "X_UNKNOWN"]),
    st.sampled_from(["VN", "01@63", "79@63", "01@34"]),
    st.sampled_from(["2023", "2023S1", "202301", "202312", "2023YTD09", "2024Q1", "2022"]),
    st.sampled_from(["actual", "estimate", "plan"]),
)
BATCH = st.lists(
    st.tuples(KEYS, st.one_of(st.none(), st.floats(-1e9, 1e9, allow_nan=False)),
              st.sampled_from(["provisional", "final"]), st.booleans()),
    min_size=1, max_size=25,
)  # fmt: skip


def _replay(batches):
    out = {}
    for b in batches:
        for (ind, unit, period, kind), value, status, method in b:
            out[(int(period[:4]), ind, unit, period, kind)] = (value, status, method)
    return {k: v for k, v in out.items() if v[0] is not None}


def _live(slabs):
    out = {}
    for (year, ind), s in slabs.items():
        for (unit, period, kind), (value, flags) in s.values().items():
            out[(year, ind, unit, period, str(kind))] = (
                value,
                "final" if flags & 1 else "provisional",
                bool(flags & 2),
            )
    return out


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=st.lists(BATCH, min_size=1, max_size=4))
def test_merged_slabs_hold_the_newest_write_of_every_key(tmp_path_factory, batches):
    slabs = {}
    for i, b in enumerate(batches, start=1):
        vals = {k: NewValue(*k, v, s, method="m" if m else None) for k, v, s, m in b}
        got = merge(slabs, Rows.of(vals.values()), i)
        slabs.update(got)
    want = {k: (v[0], v[1], v[2]) for k, v in _replay(
        [[(k, v, s, m) for k, v, s, m in {x[0]: x for x in b}.values()] for b in batches]
    ).items()}  # fmt: skip
    assert _live(slabs) == want


def test_store_write_and_rebuild_agree(store):
    keys = [(u, p) for u in ("01@63", "VN") for p in ("2023S1", "202301")]
    rows = [NewValue("ICT_REVENUE", u, p, "actual", float(i)) for i, (u, p) in enumerate(keys)]
    store.write(rows, source="t", created_by="t")
    store.write([NewValue("ICT_REVENUE", "VN", "2023S1", "actual", None),
                 NewValue("ICT_REVENUE", "VN", "2023S1", "estimate", 5.0)],
                source="t", created_by="t")  # fmt: skip
    written = {k: s.values() for k, s in store.slabs([(2023, "ICT_REVENUE")]).items()}
    with store.transaction(alone=True) as conn:
        rebuild_slabs(conn)
    assert {k: s.values() for k, s in store.slabs([(2023, "ICT_REVENUE")]).items()} == written
    assert ("VN", "2023S1", "actual") not in written[(2023, "ICT_REVENUE")]


def test_pending_values_are_laid_over_and_folded(store, monkeypatch):
    """Small writes stay pending (the slabs untouched), every read lays them over the slabs,
    and the write that folds them leaves the slabs a rebuild gives (both backends)."""
    import random

    from chitieu.store import pending

    monkeypatch.setattr(pending, "FOLD_FROM", 6)
    monkeypatch.setattr(pending, "PENDING_MAX", 15)
    rng = random.Random(7)
    units = ["01@63", "79@63", "01@34", "VN"]
    periods = ["2023S1", "202301", "202306", "2024Q1", "2022"]
    replay: dict = {}
    keys = {(int(p[:4]), i) for p in periods for i in ("ICT_REVENUE", "ICT_BUDGET")}
    saw_pending = saw_fold = False
    for step in range(40):
        n = rng.choice([1, 1, 2, 3, 8])  # 8 ≥ FOLD_FROM: a folding write
        batch = {}
        for _ in range(n):
            key = (rng.choice(["ICT_REVENUE", "ICT_BUDGET"]), rng.choice(units),
                   rng.choice(periods), rng.choice(["actual", "estimate"]))  # fmt: skip
            batch[key] = None if rng.random() < 0.1 else float(rng.randint(1, 10**6))
        store.write([NewValue(*k, v) for k, v in batch.items()], source="t", created_by="t")
        for (ind, u, p, k), v in batch.items():
            replay[(int(p[:4]), ind, u, p, k)] = (v, "provisional", False)
        want = {k: v for k, v in replay.items() if v[0] is not None}
        assert _live(store.slabs(keys)) == want, step
        by_years = {s.key: s for s in store.slabs_of_years([2022, 2023, 2024])}
        assert _live(by_years) == want, step
        assert set(store.periods()) == {k[3] for k in want}, step
        with store.read_conn() as conn:
            waiting = len(pending.read(conn))
        saw_pending |= waiting > 0
        saw_fold |= waiting == 0 and step > 0
    assert saw_pending and saw_fold
    store.write([NewValue("ICT_REVENUE", "VN", "2023", "plan", 1.0)], source="t",
                created_by="t")  # fmt: skip
    with store.transaction(alone=True) as conn:
        laid = {k: s.values() for k, s in store.slabs(keys).items()}
        rebuild_slabs(conn)
    assert {k: s.values() for k, s in store.slabs(keys).items()} == laid


def test_an_older_pending_value_never_replaces_a_newer_entry():
    """A value folded meanwhile by another writer (PostgreSQL: a fold that commits between a
    reader's two reads) is laid over a slab only where it is newer."""
    import numpy as np

    from chitieu.store.pending import Pending, overlay

    slab = merge({}, Rows.of([NewValue("ICT_REVENUE", "01@34", "2026S1", "actual", 9.0)]), 20)
    old = Pending(Rows.of([NewValue("ICT_REVENUE", "01@34", "2026S1", "actual", 1.0)]),
                  np.array([15], dtype=np.int64))  # fmt: skip
    laid = overlay(slab, old)[(2026, "ICT_REVENUE")]
    assert laid.values()[("01@34", "2026S1", "actual")][0] == 9.0 and laid.overlaid


def test_a_small_writes_last_id_is_its_newest_vintage(store):
    """A small write's ``last_id`` (the id part of a form's version) was read after the
    pending rows were upserted: on SQLite it was the pending table's row id, not the newest
    vintage's (found by the backup work of issue 11)."""
    from sqlalchemy import text

    from chitieu.store.values import NewValue

    for n, unit in enumerate(("01@34", "79@34", "01@34", "01@34")):
        rows = [NewValue("ICT_REVENUE", unit, f"2026{m:02d}", "actual", 1.0 + n)
                for m in range(1, 2 + n)]  # fmt: skip
        info = store.write(rows, source="t", created_by="t")
        with store.engine.connect() as conn:
            newest = conn.execute(text("SELECT max(id) FROM observation")).scalar()
        assert info.last_id == newest
