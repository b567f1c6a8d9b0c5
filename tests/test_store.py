"""The value store: vintages, as-of reads, all-or-nothing batches — on SQLite and PostgreSQL."""

import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from chitieu.store.db import SCHEMA_REVISION, current_revision, head_revision
from chitieu.store.values import NewValue, Store, best_value


def v(value, kind="actual", period="2023S1", unit="VN", indicator="ICT_REVENUE"):
    return NewValue(indicator, unit, period, kind, value)


def test_schema_revision_constant_matches_alembic_head(store):
    assert SCHEMA_REVISION == head_revision() == current_revision(store.engine)


def test_revision_keeps_every_vintage_and_reads_as_of(store):
    first = store.write([v(100.0)], source="test", created_by="alice")
    time.sleep(0.01)
    second = store.write([v(120.0)], source="test", created_by="bob")
    assert [o.value for o in store.current(["2023S1"])] == [120.0]
    # as of the first write, the first value; before it, nothing
    assert [o.value for o in store.current(["2023S1"], as_of=first.created_at)] == [100.0]
    assert store.current(["2023S1"], as_of=first.created_at.replace(year=2000)) == []
    assert [o.value for o in store.current(["2023S1"], as_of=second.created_at)] == [120.0]
    hist = store.history("ICT_REVENUE", "VN", "2023S1")
    assert [(o.value, o.created_by) for o in hist] == [(100.0, "alice"), (120.0, "bob")]
    assert hist[0].batch_id != hist[1].batch_id


def test_null_value_deletes_but_keeps_history(store):
    store.write([v(100.0)], source="test", created_by="a")
    store.write([v(None)], source="test", created_by="a")
    assert store.current(["2023S1"]) == []
    assert len(store.history("ICT_REVENUE", "VN", "2023S1")) == 2


def test_estimate_superseded_by_actual_but_still_readable(store):
    store.write([v(100.0, "estimate")], source="test", created_by="a")
    store.write([v(103.0, "actual")], source="test", created_by="a")
    obs = store.current(["2023S1"])
    assert {o.kind: o.value for o in obs} == {"estimate": 100.0, "actual": 103.0}
    best = best_value(obs)
    assert best[("ICT_REVENUE", "VN", "2023S1")].value == 103.0


def test_failed_batch_writes_nothing(store):
    store.write([v(1.0)], source="test", created_by="a")
    bad = [v(2.0, period="2023S2"), NewValue(None, "VN", "2023", "actual", 3.0)]  # type: ignore[arg-type]
    with pytest.raises(IntegrityError):
        store.write(bad, source="test", created_by="a")
    assert store.count() == 1
    assert len(store.batches()) == 1


def test_reopening_does_not_migrate_again(db_url):
    s1 = Store(db_url)
    s1.write([v(1.0)], source="test", created_by="a")
    s2 = Store(db_url)
    assert s2.count() == 1
    with s2.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1


def _see_a_write_queue_on_a_lock(store: Store, failure: str) -> None:
    """Wait until PostgreSQL shows a transaction waiting for an advisory lock (not a timer)."""
    waiting = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
    with store.engine.connect() as conn:
        for _ in range(300):
            if conn.execute(text(waiting)).scalar():
                return
            time.sleep(0.05)
    pytest.fail(failure)


@pytest.mark.postgres
def test_postgres_writes_take_ids_in_commit_order(pg_url):
    """A write waits for the one in progress, so its ids come after the other's commit.

    Otherwise an import that drew its ids first but committed last would not move a form's
    "newest id" version, and a client holding that version could overwrite it silently.
    """
    import threading

    store = Store(pg_url)
    inside, release = threading.Event(), threading.Event()

    def hold(conn, batch_id):
        inside.set()
        assert release.wait(30)

    first_vals = [NewValue("ICT_REVENUE", "VN", "2023S1", "actual", 1.0)]
    first = threading.Thread(
        target=store.write,
        args=(first_vals,),
        kwargs=dict(source="t", created_by="a", in_transaction=hold),
    )
    first.start()
    assert inside.wait(30)  # the first write holds its transaction open
    second_ids: list[int] = []
    second_vals = [NewValue("ICT_BUDGET", "VN", "2023S1", "actual", 2.0)]
    second = threading.Thread(
        target=lambda: second_ids.append(
            store.write(second_vals, source="t", created_by="b").last_id
        )
    )
    second.start()
    _see_a_write_queue_on_a_lock(store, "the second write did not wait for the first")
    release.set()
    first.join(30)
    second.join(30)
    ids = {o.indicator: o.id for o in store.current(["2023S1"])}
    assert ids["ICT_REVENUE"] < ids["ICT_BUDGET"] == second_ids[0]
    store.engine.dispose()


def test_processes_starting_together_on_a_new_database_migrate_once(db_url):
    """Several server processes opening a new database at once: all come up, one schema."""
    import subprocess
    import sys

    code = "import sys; from chitieu.store.values import Store; Store(sys.argv[1])"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, db_url], stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, errors
    store = Store(db_url)
    assert current_revision(store.engine) == SCHEMA_REVISION
    store.engine.dispose()


@pytest.mark.postgres
def test_a_big_write_waits_for_small_ones_and_reads_can_share_a_connection(pg_url):
    """A write of many unit × period slices takes the store's lock alone; reads in
    ``Store.reading()`` share one pooled connection."""
    import threading

    from sqlalchemy import event

    from chitieu.store.locks import PG_SLICE_LOCKS_MAX

    store = Store(pg_url)
    inside, release = threading.Event(), threading.Event()

    def hold(conn, batch_id):
        inside.set()
        assert release.wait(30)

    small = threading.Thread(
        target=store.write,
        args=([v(1.0)],),
        kwargs=dict(source="t", created_by="a", in_transaction=hold),
    )
    small.start()
    assert inside.wait(30)
    many = [v(2.0, period=f"{2000 + i}") for i in range(PG_SLICE_LOCKS_MAX + 1)]
    big = threading.Thread(
        target=store.write, args=(many,), kwargs=dict(source="t", created_by="b")
    )
    big.start()
    _see_a_write_queue_on_a_lock(store, "the big write did not wait for the small one")
    release.set()
    small.join(30)
    big.join(30)
    assert store.count() == 1 + len(many)

    checkouts = []
    event.listen(store.engine.pool, "checkout", lambda *a: checkouts.append(1))
    with store.reading():
        store.current(["2023"])
        store.current(["2001", "2002"])
        store.history("ICT_REVENUE", "VN", "2023", "actual")
    assert len(checkouts) == 1
    store.engine.dispose()
