"""The child parser a process keeps between reads (issue 18): only a long-lived process — the
web server, workers — keeps one (``childparser.keep_reader``); a one-shot run such as
``chitieu import`` starts one child per read, which ends with it, and no other. An official
form's workbook is read once per import (one child, one pre-scan). A kept child that died
while it waited is replaced; one whose read failed is never kept; one kept for other limits
is not given a read."""

from __future__ import annotations

import multiprocessing
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
    assert childparser.started() == before + 1  # the kept child made that read


def test_the_web_app_keeps_a_child(tmp_path: Path, one_shot: None) -> None:
    from chitieu import open_store
    from chitieu.web.app import create_app

    create_app(store=open_store(f"sqlite:///{tmp_path / 'w.db'}"))
    before = childparser.started()
    read_table(_put(tmp_path))
    read_table(_put(tmp_path))
    assert childparser.started() == before + 1 and childparser.kept() == 1


def test_the_garbage_collector_is_on_again_after_a_read(tmp_path: Path) -> None:
    import gc

    read_table(_put(tmp_path))
    assert gc.isenabled()
