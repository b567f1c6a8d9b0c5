"""Key tasks are per unit (issue 17, item 6): the unit column of a task file, resolved like
every unit for the row's period; ``tasks list --unit``; the province report lists only its own
tasks and the ministry's only the ministry's; migration 0016 gives the stored tasks ``VN``."""

import json
from datetime import date

import pytest

from chitieu.demo.tasks import province_tasks_file, tasks_file
from chitieu.workflow.tasks import KeyTasks, TaskError, belongs, read_tasks
from test_cli import run

HEADER = "Kỳ,Đơn vị,Nhiệm vụ,Đơn vị chủ trì,Thời hạn\n"


def _file(tmp_path, rows: str):
    f = tmp_path / "tasks.csv"
    f.write_text(HEADER + rows, encoding="utf-8")
    return f


def test_the_unit_column_is_resolved_for_the_rows_period(store, tmp_path):
    f = _file(
        tmp_path,
        "2023S2,An Giang,Việc A,Sở TT&TT An Giang,31/12/2023\n"
        "2026S2,An Giang,Việc B,Sở KH&CN An Giang,31/12/2026\n"
        "2026S2,,Việc C,Vụ Kế hoạch - Tài chính,31/12/2026\n"
        "2026S2,79,Việc D,Sở KH&CN TP. Hồ Chí Minh,31/12/2026\n",
    )
    KeyTasks(store).import_file(f, by="t")
    units = {t.title: t.unit for t in KeyTasks(store).list()}
    # the old An Giang in 2023, today's An Giang (with Kiên Giang) in 2026; empty: the ministry
    assert units == {"Việc A": "89@63", "Việc B": "91@34", "Việc C": "VN", "Việc D": "79@34"}
    ts = KeyTasks(store)
    assert [t.title for t in ts.list(unit="VN")] == ["Việc C"]
    # today's An Giang has its own tasks and those its predecessors were set before the merger
    assert [t.title for t in ts.list(unit="91@34")] == ["Việc A", "Việc B"]
    assert [t.title for t in ts.list(unit="89@63")] == ["Việc A"]
    assert [t.title for t in ts.list("2026S2", unit="91@34")] == ["Việc B"]


def test_a_bad_unit_is_told_in_both_languages_with_row_and_column(store, tmp_path):
    f = _file(
        tmp_path,
        "2023S2,Kien Giangg,Việc A,Sở A,31/12/2023\n"  # no such name
        "2026S2,Kiên Giang,Việc B,Sở B,31/12/2026\n",  # merged into An Giang on 1/7/2025
    )
    with pytest.raises(TaskError) as exc:
        KeyTasks(store).import_file(f, by="t")
    msg = exc.value.message
    assert "tasks.csv, row 2, column 'unit': unknown unit 'Kien Giangg'" in msg
    assert "tasks.csv, dòng 2, cột 'unit': không có đơn vị tên 'Kien Giangg'" in msg
    assert "Kiên Giang" in msg.split("row 2")[1]  # the closest name is offered
    assert "tasks.csv, row 3, column 'unit'" in msg and "tasks.csv, dòng 3, cột 'unit'" in msg
    assert "An Giang (91@34)" in msg.split("row 3")[1]  # the unit it merged into
    assert KeyTasks(store).list() == []  # nothing written


def test_demo_tasks_units():
    assert {r["unit"] for r in read_tasks(tasks_file())} == {"VN"}  # the ministry's
    assert [r["unit"] for r in read_tasks(province_tasks_file())] == ["89@63", "91@34"]


@pytest.mark.parametrize("header", ["unit", "Đơn vị", "don vi", "Đơn vị báo cáo", "Tỉnh"])
def test_unit_headers(tmp_path, header):
    f = tmp_path / "t.csv"
    f.write_text(f"period,{header},title,lead_unit,deadline\n2026S2,01,X,Y,2026-12-31\n", "utf-8")
    assert read_tasks(f)[0]["unit"] == "01@34"


def test_belongs():
    assert belongs("VN", "VN") and not belongs("91@34", "VN") and not belongs("VN", "91@34")
    assert belongs("89@63", "91@34") and belongs("91@63", "91@34")  # An Giang, Kiên Giang
    assert not belongs("91@34", "89@63")  # today's An Giang spans two old provinces
    assert not belongs("01@34", "91@34")


def test_cli_tasks_list_by_unit(db_url, tmp_path):
    f = _file(
        tmp_path,
        "2026S2,An Giang,Việc B,Sở KH&CN An Giang,31/12/2026\n"
        "2026S2,,Việc C,Vụ Kế hoạch - Tài chính,31/12/2026\n",
    )
    run("tasks", "import", str(f), db=db_url)
    got = json.loads(run("tasks", "list", "--unit", "An Giang", "--json", db=db_url).stdout)
    assert got["unit"] == "91@34" and [t["title"] for t in got["tasks"]] == ["Việc B"]
    assert got["tasks"][0]["unit"] == "91@34"
    got = json.loads(run("tasks", "list", "--unit", "VN", "--json", db=db_url).stdout)
    assert [t["title"] for t in got["tasks"]] == ["Việc C"]
    table = run("tasks", "list", "--unit", "An Giang", "--date", "2026-07-01", db=db_url).stdout
    assert "Việc B" in table and "Việc C" not in table and "91@34" in table
    bad = run("tasks", "list", "--unit", "Atlantis", db=db_url, check=False)
    assert bad.returncode == 2 and "Atlantis" in bad.stderr


def test_province_report_lists_its_own_tasks_and_the_ministrys_its_own(demo_sqlite, tmp_path):
    from chitieu.report import build_report
    from chitieu.store.values import Store

    store = Store(demo_sqlite)
    ag = build_report(store, "2026S1", unit="An Giang", out_dir=tmp_path / "ag",
                      report_date=date(2026, 7, 15))["md"].read_text(encoding="utf-8")  # fmt: skip
    assert "Tổng hợp số liệu thống kê ngành xuất bản, in và phát hành trên địa bàn tỉnh" in ag
    assert "Cục Xuất bản, In và Phát hành" not in ag
    vn = build_report(store, "2023S1", out_dir=tmp_path / "vn",
                      report_date=date(2023, 6, 30))["md"].read_text(encoding="utf-8")  # fmt: skip
    assert "Cục Xuất bản, In và Phát hành" in vn and "Sở Thông tin và Truyền thông tỉnh" not in vn


def test_stored_tasks_become_the_ministrys_on_upgrade(db_url):
    """Migration 0016: the tasks of a store written before it are the ministry's (VN)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from chitieu import open_store
    from chitieu.store.schema import metadata
    from test_upgrade import fixture, load_old_store

    load_old_store(db_url)
    store = open_store(db_url)
    tasks = KeyTasks(store).list()
    assert len(tasks) == len(fixture()[1]["task"]) > 0
    assert {t.unit for t in tasks} == {"VN"}
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    store.engine.dispose()
    assert [d for d in diffs if "'task'" in repr(d)] == []
