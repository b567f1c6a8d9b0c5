"""The child parser of the next read, started during this one (issue 18, Deliver 7): it waits
for its request; a read takes it; a spare that died while it waited is replaced, and the read
still gets its book."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from tests import hostile as h

from chitieu.collect import childparser
from chitieu.collect.reader import read_table

pytestmark = pytest.mark.skipif(
    "forkserver" not in multiprocessing.get_all_start_methods(), reason="no forkserver"
)


def _put(tmp_path: Path) -> Path:
    p = tmp_path / "ok.xlsx"
    p.write_bytes(h.good_xlsx())
    return p


def test_a_read_leaves_a_waiting_child_that_the_next_read_takes(tmp_path: Path) -> None:
    p = _put(tmp_path)
    read_table(p)
    (spare,) = childparser._SPARE
    assert spare.process.is_alive() and spare.process.name == childparser.SPARE_NAME
    first = spare.process.pid
    assert read_table(p).rows == [(2, h.GOOD_ROW)]
    (after,) = childparser._SPARE
    assert after.process.pid != first  # the waiting child read the file; a new one waits
    spare.process.join(timeout=30)
    assert not spare.process.is_alive()


def test_a_spare_that_died_while_waiting_is_replaced(tmp_path: Path) -> None:
    p = _put(tmp_path)
    read_table(p)
    (spare,) = childparser._SPARE
    spare.process.kill()
    spare.process.join(timeout=30)
    assert read_table(p).rows == [(2, h.GOOD_ROW)]
    (after,) = childparser._SPARE
    assert after.process.is_alive() and after.process.pid != spare.process.pid


def test_the_garbage_collector_is_on_again_after_a_read(tmp_path: Path) -> None:
    import gc

    read_table(_put(tmp_path))
    assert gc.isenabled()
