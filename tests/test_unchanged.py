"""A retry of the same values adds no vintage (issue 15, item 10): through ``Store.write`` (small
writes, folding writes, big writes with pending values), the API and the CLI import, on both
backends; what "identical" means (value, status, comment, method, inputs; a key given twice);
and the fast path on the slabs equal to the exact rule on the vintages (hypothesis)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.faults import count_rows, values_csv
from tests.test_cli import run

from chitieu import open_store
from chitieu.catalog.vocabulary import Kind, Status
from chitieu.store import pending
from chitieu.store.current import slab_keys
from chitieu.store.integrity import check_store
from chitieu.store.rows import NewValue, Rows

warnings.filterwarnings("ignore", message=".*httpx2.*")

P = "2025S1"


def _v(unit: str, value: float | None, **kw) -> NewValue:  # type: ignore[no-untyped-def]
    return NewValue("ICT_REVENUE", unit, P, kw.pop("kind", "actual"), value, **kw)


def _vintages(store, unit: str, kind: str = "actual") -> int:  # type: ignore[no-untyped-def]
    return len(store.history("ICT_REVENUE", unit, P, kind))


def test_a_retry_adds_no_vintage_and_what_identical_means(store) -> None:
    first = [
        _v("01@34", 5.0, comment="số sơ bộ"),
        _v("79@34", 7.0, status="final"),
        _v("48@34", 9.5, kind="estimate", method="ratio", inputs={"ratio": 1.25}),
        _v("31@34", 3.0, comment=""),
    ]
    assert store.write(first, source="api", created_by="a").rows == 4
    again = store.write(first, source="api", created_by="a")
    assert store.count() == 4  # no vintage added
    assert (again.rows, again.ignored, again.last_id) == (0, 4, None)
    # the batch row is kept (the audit), with 0 vintages
    assert store.batches()[0]["rows"] == 0 and store.batches()[0]["id"] == again.id
    # no comment and an empty one are the same; anything else that differs is a change
    changed = [
        _v("31@34", 3.0),  # None for "": identical
        _v("01@34", 5.0),  # the comment dropped
        _v("79@34", 7.0),  # provisional now
        _v("48@34", 9.5, kind="estimate", method="ratio", inputs={"ratio": 1.5}),
        _v("56@34", 1.0),  # a new key
    ]
    got = store.write(changed, source="api", created_by="a")
    assert (got.rows, got.ignored) == (4, 1)
    assert [_vintages(store, u) for u in ("31@34", "01@34", "79@34", "56@34")] == [1, 2, 2, 1]
    assert _vintages(store, "48@34", "estimate") == 2
    # a deletion repeats a deletion; a key given twice is never left out (its last row wins)
    assert store.write([_v("56@34", None)], source="t", created_by="t").rows == 1
    assert store.write([_v("56@34", None)], source="t", created_by="t").ignored == 1
    twice = store.write([_v("01@34", 6.0), _v("01@34", 5.0)], source="t", created_by="t")
    assert (twice.rows, twice.ignored) == (2, 0)
    assert {o.unit: o.value for o in store.current([P])}["01@34"] == 5.0
    # columns made by a reader, with the vocabulary's enums for kind and status
    enums = Rows.filled(["ICT_REVENUE"], ["79@34"], [P], [Kind.ACTUAL], [7.0], [Status.FINAL])
    store.write(Rows.filled(["ICT_REVENUE"], ["79@34"], [P], ["actual"], [7.0], ["final"]),
                source="t", created_by="t")  # fmt: skip
    assert store.write(enums, source="t", created_by="t").ignored == 1


def _province_rows(n_units: int, periods: list[str], value: float = 10.0) -> Rows:
    units = [f"U{i:04d}" for i in range(n_units)]
    vals = [NewValue("ICT_REVENUE", u, p, "actual", value + i) for p in periods
            for i, u in enumerate(units)]  # fmt: skip
    return Rows.of(vals)


def test_a_big_retry_is_ignored_on_columns_and_pending_values_count(store) -> None:
    months = [f"{y}{m:02d}" for y in (2024, 2025) for m in range(1, 13)]
    big = _province_rows(100, months)  # 2,400 rows: a write that folds the slabs
    assert len(big) >= pending.FOLD_FROM
    assert store.write(big, source="import", created_by="a").rows == 2400
    # a form's save leaves a pending value; the same value in the next big write is ignored
    small = NewValue("ICT_REVENUE", "U0003", "202501", "actual", 99.0)
    assert store.write([small], source="web", created_by="a").rows == 1
    retry = Rows.of([*(v for v in big if v.key != small.key), small])
    got = store.write(retry, source="import", created_by="a")
    assert store.count() == 2401
    assert (got.rows, got.ignored) == (0, 2400)
    # ten values changed: ten vintages, the others ignored; the slabs stay exact
    changed = Rows.of([NewValue(v.indicator, v.unit, v.period, v.kind,
                                v.value + (1 if i % 240 == 0 else 0))
                       for i, v in enumerate(retry)])  # fmt: skip
    got = store.write(changed, source="import", created_by="a")
    assert (got.rows, got.ignored) == (10, 2390)
    assert store.count() == 2400 + 1 + 10
    assert check_store(store.engine.url.render_as_string(hide_password=False)).ok


def test_a_retry_through_the_api_says_ignored(db_url) -> None:
    from tests.web.conftest import OWN, make_env

    env = make_env(db_url)
    api = env.api("analyst")
    body = {"values": [{"indicator": ind, "unit": OWN, "period": "2026S1", "kind": "actual",
                        "value": 5} for ind in ("ICT_REVENUE", "ICT_BUDGET")]}  # fmt: skip
    first = api.post("/api/v1/values", json=body).json()
    again = api.post("/api/v1/values", json=body).json()
    assert len(env.store.history("ICT_REVENUE", OWN, "2026S1")) == 1
    assert first["rows"] == 2 and first["report"]["stats"]["ignored"] == 0
    assert again["ok"] and again["rows"] == 0 and again["report"]["stats"]["ignored"] == 2
    assert len(env.store.history("ICT_REVENUE", OWN, "2026S1")) == 1
    env.store.engine.dispose()


def test_the_same_file_imported_twice_is_ignored_the_second_time(db_url, tmp_path) -> None:
    open_store(db_url).engine.dispose()
    csv = values_csv(tmp_path / "v.csv", 2, ("01", "79"))
    first = json.loads(run("import", csv, "--json", db=db_url).stdout)
    again = json.loads(run("import", csv, "--json", db=db_url).stdout)
    assert count_rows(db_url) == 192  # the second import added no vintage
    assert (first["written"], first["ignored"]) == (192, 0)
    assert (again["written"], again["ignored"]) == (0, 192)
    assert count_rows(db_url) == 192
    shown = run("import", csv, db=db_url).stdout  # Vietnamese by default (--lang)
    assert "bỏ qua 192 giá trị trùng" in shown
    assert "192 ignored" in run("import", csv, "--lang", "en", db=db_url).stdout


# ------------------------------------------------------------ fast path = exact rule


_UNITS = [f"U{i:02d}" for i in range(6)]
_PERIODS = ["2024", "202403", "2025S1", "202507", "2025"]


def _stored_state(store) -> None:  # type: ignore[no-untyped-def]
    """Values of every kind of difference: comments, statuses, deletions, methods, pending."""
    vals = []
    for i, u in enumerate(_UNITS):
        for j, p in enumerate(_PERIODS):
            status = "final" if (i + j) % 3 == 0 else "provisional"
            comment = "ghi chú" if (i + j) % 4 == 0 else None
            value = None if (i * j) % 7 == 3 else float(i * 10 + j)
            vals.append(NewValue("ICT_REVENUE", u, p, "actual", value, status, comment))
            if j % 2:
                vals.append(NewValue("ICT_REVENUE", u, p, "estimate", float(i + j),
                                     method="ratio" if i % 2 else None))  # fmt: skip
    store.write(vals, source="import", created_by="a")
    store.write([NewValue("ICT_REVENUE", "U01", "202403", "actual", 555.0)], source="web",
                created_by="a")  # pending  # fmt: skip


_row = st.tuples(
    st.sampled_from([*_UNITS, "U99"]),
    st.sampled_from(_PERIODS),
    st.sampled_from(["actual", "estimate", "plan"]),
    st.one_of(st.none(), st.sampled_from([0.0, 1.0, 2.0, 11.0, 555.0, 32.0, 42.0, 7.5])),
    st.sampled_from(["final", "provisional"]),
    st.sampled_from([None, "", "ghi chú"]),
    st.sampled_from([None, "ratio"]),
)


def _exact_and_fast(store, rows: Rows):  # type: ignore[no-untyped-def]
    from chitieu.store.unchanged import unchanged

    with store.engine.connect() as conn:
        waiting = pending.read(conn)
        from chitieu.store.current import read_slabs

        slabs = read_slabs(conn, slab_keys(rows))
        fast = unchanged(conn, rows, pending.overlay(slabs, waiting))
        exact = unchanged(conn, rows, None)
    return fast, exact


def _partial(store, rows: Rows):  # type: ignore[no-untyped-def]
    """The small write's path: narrowed by slabs made from the current values the checks
    read before the write (live values only, marked overlaid)."""
    from chitieu.store.current import merge
    from chitieu.store.unchanged import unchanged

    got = store.current(sorted(set(rows.period)), units=sorted(set(rows.unit)))
    seen = Rows.of(NewValue(o.indicator, o.unit, o.period, o.kind, o.value, o.status,
                            method=o.method) for o in got)  # fmt: skip
    slabs = merge({}, seen, np.array([o.batch_id for o in got], dtype=np.int64)) if got else {}
    with store.engine.connect() as conn:
        return unchanged(conn, rows, slabs, complete=False)


def test_the_fast_path_on_the_slabs_equals_the_exact_rule(tmp_path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'h.db'}")
    _stored_state(store)

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(_row, min_size=1, max_size=25))
    def check(raw: list[tuple]) -> None:
        rows = Rows.of([NewValue("ICT_REVENUE", u, p, k, v, s, c, m)
                        for u, p, k, v, s, c, m in raw])  # fmt: skip
        fast, exact = _exact_and_fast(store, rows)
        assert fast.tolist() == exact.tolist()
        assert _partial(store, rows).tolist() == exact.tolist()

    check()
    # and the identical rows are found at all: the stored state itself, again
    every = Rows.of(
        NewValue("ICT_REVENUE", o.unit, o.period, o.kind, o.value, o.status, o.comment, o.method)
        for o in store.current(_PERIODS)
    )
    fast, exact = _exact_and_fast(store, every)
    assert fast.all() and exact.all()
    store.engine.dispose()


def test_nothing_is_ignored_in_a_store_without_the_keys(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'e.db'}")
    rows = _province_rows(3, ["202501"])
    from chitieu.store.unchanged import unchanged

    with store.engine.connect() as conn:
        assert not unchanged(conn, rows).any() and not unchanged(conn, rows, {}).any()
    store.engine.dispose()
