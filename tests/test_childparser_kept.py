"""The child parser a process keeps between reads (issue 18): only a long-lived process — the
web server, workers — keeps one (``childparser.keep_reader``); a one-shot run such as
``chitieu import`` starts one child per read, which ends with it, and no other. An official
form's workbook is read once per import (one child, one pre-scan). A kept child that died
while it waited is replaced; one whose read failed is never kept; one kept for other limits
is not given a read."""

from __future__ import annotations

import multiprocessing
import os
import platform
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests import hostile as h
from tests.forms_book import save

from chitieu.collect import childparser
from chitieu.collect.importer import import_file
from chitieu.collect.reader import read_table
from chitieu.errors import InputFileError

pytestmark = pytest.mark.skipif(
    "forkserver" not in multiprocessing.get_all_start_methods(), reason="no forkserver"
)


@pytest.fixture
def one_shot() -> Iterator[None]:
    """This process as a one-shot run: no kept child (a web app made before may keep one)."""
    childparser.keep_reader(False)
    yield
    childparser.keep_reader(False)


@pytest.fixture
def long_lived() -> Iterator[None]:
    """This process as a server's: it keeps its child between reads."""
    childparser.keep_reader(False)
    childparser.keep_reader(True)
    yield
    childparser.keep_reader(False)


def _put(tmp_path: Path) -> Path:
    p = tmp_path / "ok.xlsx"
    p.write_bytes(h.good_xlsx())
    return p


def _parsers() -> list[str]:
    return [c.name for c in multiprocessing.active_children() if c.name.startswith("chitieu-")]


def test_a_one_shot_read_starts_one_child_and_leaves_none(tmp_path: Path, one_shot: None) -> None:
    p = _put(tmp_path)
    before = childparser.started()
    assert read_table(p).rows == [(2, h.GOOD_ROW)]
    assert childparser.started() == before + 1
    assert childparser.kept() == 0 and _parsers() == []


def test_a_one_shot_import_of_an_official_form_reads_the_workbook_once(
    store, tmp_path: Path, one_shot: None
) -> None:
    """Before: the layouts' detection read the first sheet (a pre-scan and a child), the form
    reader every sheet (another pre-scan and child), and a spare child was started for a
    next read that a one-shot run never makes."""
    other = {"unit_line": "Đơn vị báo cáo: Sở Thông tin và Truyền thông tỉnh Tây Ninh"}
    path = save(tmp_path / "bieu.xlsx", ("Biểu 01", {}), ("Biểu 02", other))
    before = childparser.started()
    res = import_file(path, store, created_by="t")
    assert res.report.valid and res.layout == "form"
    assert childparser.started() == before + 1
    assert childparser.kept() == 0 and _parsers() == []


def test_a_long_lived_process_keeps_its_child_for_the_next_read(
    tmp_path: Path, long_lived: None
) -> None:
    p = _put(tmp_path)
    before = childparser.started()
    read_table(p)
    assert childparser.kept() == 1 and _parsers() == [childparser.WAITING]
    assert read_table(p).rows == [(2, h.GOOD_ROW)]
    assert read_table(p).rows == [(2, h.GOOD_ROW)]
    assert childparser.started() == before + 1  # three reads, one child


def test_a_kept_child_that_died_while_waiting_is_replaced(tmp_path: Path, long_lived: None) -> None:
    p = _put(tmp_path)
    read_table(p)
    (child,) = childparser._KEPT
    child.process.kill()
    child.process.join(timeout=30)
    before = childparser.started()
    assert read_table(p).rows == [(2, h.GOOD_ROW)]
    assert childparser.started() == before + 1 and childparser.kept() == 1


def test_a_child_whose_read_failed_is_not_kept(
    tmp_path: Path, long_lived: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = _put(tmp_path)
    read_table(p)
    monkeypatch.setenv(childparser.TEST_FAULT, "1")  # the kept child calls os.abort()
    with pytest.raises(InputFileError) as got:
        read_table(p)
    assert got.value.code == "input-parser-failed"
    assert childparser.kept() == 0
    monkeypatch.delenv(childparser.TEST_FAULT)
    before = childparser.started()
    assert read_table(p).rows == [(2, h.GOOD_ROW)]
    assert childparser.started() == before + 1


def test_a_kept_child_reads_under_a_lower_limit_never_a_higher_one(
    tmp_path: Path, long_lived: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = _put(tmp_path)
    monkeypatch.setenv("CHITIEU_MAX_PARSER_MB", "700")
    read_table(p)
    monkeypatch.delenv("CHITIEU_MAX_PARSER_MB")  # 4096: more than the kept child may have
    before = childparser.started()
    assert read_table(p).rows == [(2, h.GOOD_ROW)]
    assert childparser.started() == before + 1 and childparser.kept() == 1
    # the child of the larger limit is kept; a read under 512 MiB is held to 512 MiB in it
    monkeypatch.setenv("CHITIEU_MAX_PARSER_MB", "512")
    monkeypatch.setenv(childparser.TEST_FAULT, "memory")  # it allocates its whole limit
    with pytest.raises(InputFileError) as got:
        read_table(p)
    assert got.value.code == "input-parser-memory"
    # the kept child made that read (under 4096 MiB it would have passed), and a fresh child
    # made it again (what earlier reads left might have been the cause): it failed too
    assert childparser.started() == before + 2 and childparser.kept() == 0


def test_the_garbage_collector_is_on_again_after_a_read(tmp_path: Path) -> None:
    import gc

    read_table(_put(tmp_path))
    assert gc.isenabled()


def test_a_kept_child_out_of_memory_has_the_read_made_again_by_a_fresh_one(
    tmp_path: Path, long_lived: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: the address-space limit counts what earlier reads left mapped in a kept child
    (its collector off), so a file a fresh child reads could be refused
    (input-parser-memory) in a kept one. The kept child here has all its address space taken
    before it reads (``full``; a fresh child is not touched by it)."""
    p = _put(tmp_path)
    monkeypatch.setenv("CHITIEU_MAX_PARSER_MB", "700")
    read_table(p)
    monkeypatch.setenv(childparser.TEST_FAULT, "full")
    before = childparser.started()
    assert read_table(p).rows == [(2, h.GOOD_ROW)]
    assert childparser.started() == before + 1  # the kept child failed, a fresh one read it
    assert childparser.kept() == 0  # and that one is not kept


def test_a_kept_child_grown_by_earlier_reads_hands_the_next_read_to_a_fresh_one(
    tmp_path: Path, long_lived: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kept child whose address space grew since it started by more than a sixteenth of the
    next read's limit does not make that read (before: it did, with that much less room)."""
    p = _put(tmp_path)
    monkeypatch.setenv("CHITIEU_MAX_PARSER_MB", "700")
    monkeypatch.setenv(childparser.TEST_FAULT, "leftover")  # a quarter of 700 MiB left mapped
    read_table(p)
    assert childparser.kept() == 1
    monkeypatch.delenv(childparser.TEST_FAULT)
    before = childparser.started()
    assert read_table(p).rows == [(2, h.GOOD_ROW)]
    assert childparser.started() == before + 1 and childparser.kept() == 1
    assert read_table(p).rows == [(2, h.GOOD_ROW)]  # the fresh one, kept, reads the next
    assert childparser.started() == before + 1


def test_what_a_read_left_is_given_back() -> None:
    """The kept child collects a read's cycles (its collector is off) and trims the C heap
    after each read (before: only after a refused file, and no trim)."""
    import gc
    import weakref

    from chitieu.collect import childproc

    class Node:
        pass

    gc.disable()
    try:
        a, b = Node(), Node()
        a.other, b.other = b, a  # type: ignore[attr-defined]
        gone = weakref.ref(a)
        del a, b
        childproc.release()
        assert gone() is None
    finally:
        gc.enable()
    if os.path.exists("/lib/x86_64-linux-gnu/libc.so.6") or platform.libc_ver()[0] == "glibc":
        assert childproc._malloc_trim() is not None


def test_building_the_web_app_keeps_no_child(tmp_path: Path, one_shot: None) -> None:
    """Before: ``create_app`` switched child-keeping on for the whole process (a test
    session's reads then depended on which test built an app first)."""
    from chitieu import open_store
    from chitieu.web.app import create_app

    create_app(store=open_store(f"sqlite:///{tmp_path / 'w.db'}"))
    before = childparser.started()
    read_table(_put(tmp_path))
    read_table(_put(tmp_path))
    assert childparser.started() == before + 2 and childparser.kept() == 0


def test_a_served_app_keeps_a_child(
    tmp_path: Path, one_shot: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app of a server process — ``chitieu serve``'s, and each worker's of
    ``--workers N`` (uvicorn's factory ``app_from_env``) — keeps its child parser."""
    import gc

    from chitieu.web.app import app_from_env

    monkeypatch.setenv("CHITIEU_DB", f"sqlite:///{tmp_path / 'w.db'}")
    monkeypatch.setattr(gc, "freeze", lambda: None)  # not this test session's objects
    app_from_env()
    before = childparser.started()
    read_table(_put(tmp_path))
    read_table(_put(tmp_path))
    assert childparser.started() == before + 1 and childparser.kept() == 1
