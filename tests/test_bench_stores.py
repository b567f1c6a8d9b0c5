"""The benchmarks' shared store set-up and run loop (bench/stores.py): runs alternate (in
reverse every second round when asked), after an untimed warm-up; a work directory marked
READ-ONLY is never generated again (another session reads the 10M store in it)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest
from bench import stores


def test_alternate_flips_every_second_round_after_a_warm_up():
    seen: list[str] = []
    runs = {k: (lambda k=k: seen.append(k) or k) for k in ("a", "b")}
    times, last = stores.alternate(runs, 3, flip=True)
    assert seen == ["a", "b", "a", "b", "b", "a", "a", "b"]  # warm-up, then a b / b a / a b
    assert {k: len(v) for k, v in times.items()} == {"a": 3, "b": 3} and last == {
        "a": "a",
        "b": "b",
    }
    seen.clear()
    stores.alternate(runs, 2, warmup=False)
    assert seen == ["a", "b", "a", "b"]
    assert stores.median([3.0, 1.0, 2.0]) == 2.0 and stores.close(None, float("nan"))


@pytest.fixture
def _own_catalog(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The synthetic catalog for this test only (the process's catalog read again after)."""
    from chitieu.catalog.indicators import catalog

    monkeypatch.setenv("CHITIEU_CATALOG", "")
    yield
    monkeypatch.undo()
    catalog.cache_clear()


@pytest.mark.usefixtures("_own_catalog")
def test_a_read_only_work_directory_is_not_generated_again(tmp_path):
    args = argparse.Namespace(
        workdir=tmp_path, values=2_000, indicators=2, no_sqlite=False, pg=None
    )
    setup = stores.synthetic(tmp_path, args.values, args.indicators)
    ((name, url),) = stores.backends(args)
    store, rows, fill_s = stores.prepare_store(name, url, args, setup.indicators, setup.years)
    assert rows > 0 and fill_s is not None
    again = stores.prepare_store(name, url, args, setup.indicators, setup.years)
    assert again[1:] == (rows, None)  # found, not generated
    (tmp_path / "READ-ONLY").write_text("read only")
    args.values = 3_000
    with pytest.raises(SystemExit, match="READ-ONLY"):
        stores.prepare_store(name, url, args, setup.indicators, setup.years)
    assert store.count() == rows
    for s in (store, again[0]):
        s.engine.dispose()
