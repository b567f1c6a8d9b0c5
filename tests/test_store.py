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
