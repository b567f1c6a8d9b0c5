"""Key tasks: import, status against the report date, updates, and the next review's account."""

import json
from datetime import date

import pytest

from chitieu.demo.tasks import load_demo_tasks, tasks_file
from chitieu.report import build_document, make_context
from chitieu.workflow.tasks import KeyTasks, TaskError, parse_deadline, read_tasks
from test_cli import run


def test_demo_tasks_are_the_source_documents(store):
    assert load_demo_tasks(store) == 12  # the ministry's 10 and An Giang's illustrative 2
    tasks = KeyTasks(store).list("2023S2", unit="VN")
    assert len(tasks) == 10
    titles = [t.title for t in tasks]
    assert "Tổ chức Giải thưởng sách Quốc gia lần thứ Sáu" in titles
    assert "Tổ chức Hội chợ sách quốc tế tại TP. Hồ Chí Minh" in titles
    circular = next(t for t in tasks if "01/2020/TT-BTTTT" in t.title)
    assert circular.deadline == date(2023, 11, 30)
    assert all(t.source and "sotttt.angiang.gov.vn" in t.source for t in tasks)
    assert load_demo_tasks(store) == 12 and len(KeyTasks(store).list()) == 12  # re-load updates


def test_status_is_computed_against_the_report_date(store):
    load_demo_tasks(store)
    ts = KeyTasks(store)
    circular = ts.get("2023S2-XB-10")
    assert circular.status_on(date(2023, 6, 30)) == "not_started"
    assert circular.status_on(date(2023, 12, 1)) == "overdue"
    done = ts.update(circular.code, by="t", status="done", completed_on=date(2023, 11, 20))
    assert done.status_on(date(2024, 1, 5)) == "done" and not done.slipped(date(2024, 1, 5))
    late = ts.update("2023S2-XB-03", by="t", status="done", completed_on=date(2024, 1, 3))
    assert late.slipped(date(2024, 1, 5))
    back = ts.update("2023S2-XB-03", by="t", status="in_progress", progress="đang chấm giải")
    assert back.completed_on is None and back.progress == "đang chấm giải"
    with pytest.raises(TaskError):
        ts.update("nope", by="t", status="done")


def test_next_periods_report_says_what_was_done_and_what_slipped(store):
    from chitieu.demo.build import load_demo

    load_demo(store)
    ts = KeyTasks(store)
    ts.update("2023S2-XB-10", by="t", status="done", completed_on=date(2023, 11, 28))
    ts.update("2023S2-XB-03", by="t", status="done", completed_on=date(2023, 12, 15))
    ts.update("2023S2-XB-06", by="t", status="in_progress", progress="đã chọn địa điểm")
    h1 = build_document(make_context(store, "2023S1", report_date=date(2023, 6, 30))).text()
    assert "Tổ chức Giải thưởng sách Quốc gia lần thứ Sáu | Cục Xuất bản, In và Phát hành" in h1
    assert "| 30/11/2023 | Hoàn thành |" in h1  # the status as of the report's date
    year = build_document(make_context(store, "2023", report_date=date(2024, 1, 10))).text()
    assert "Tình hình thực hiện nhiệm vụ trọng tâm năm 2023" in year
    assert (
        "Trong 10 nhiệm vụ trọng tâm năm 2023, đến ngày 10/01/2024 đã hoàn thành 2 nhiệm vụ, "
        "còn 8 nhiệm vụ đang triển khai, chưa triển khai hoặc quá hạn." in year
    )
    assert "Đã hoàn thành: Tổ chức Giải thưởng sách Quốc gia lần thứ Sáu; Xây dựng Thông tư" in year
    assert "Tổ chức Hội chợ sách quốc tế tại TP. Hồ Chí Minh (Quá hạn, 31/12/2023)" in year
    assert "8 nhiệm vụ trọng tâm chậm so với thời hạn" in year  # in the assessment too


def test_bad_task_file_lists_every_problem_and_writes_nothing(store, tmp_path):
    bad = tmp_path / "tasks.csv"
    bad.write_text(
        "Kỳ,Nhiệm vụ,Đơn vị chủ trì,Thời hạn,Trạng thái\n"
        "2023S2,Việc A,Cục X,31/13/2023,xong\n"
        "2023X9,,Cục Y,11/2023,done\n",
        encoding="utf-8",
    )
    with pytest.raises(TaskError) as exc:
        KeyTasks(store).import_file(bad, by="t")
    msg = exc.value.message
    assert "row 2, column 'deadline': '31/13/2023' is not a date" in msg
    assert "row 2, column 'status': 'xong' is not a status" in msg
    assert "row 3, column 'title': empty" in msg
    assert "row 3, column 'period': '2023X9' is not a period" in msg
    assert KeyTasks(store).list() == []


def test_deadline_forms():
    assert parse_deadline("2023-11-30") == date(2023, 11, 30)
    assert parse_deadline("30/11/2023") == date(2023, 11, 30)
    assert parse_deadline("11/2023") == date(2023, 11, 30)
    assert parse_deadline("2023-02") == date(2023, 2, 28)
    assert parse_deadline("2023S2") == date(2023, 12, 31)
    assert len(read_tasks(tasks_file())) == 10


def test_cli_tasks_import_list_update_and_report(db_url, tmp_path):
    out = json.loads(run("tasks", "import", str(tasks_file()), "--json", db=db_url).stdout)
    assert out["created"] == 10
    run(
        "tasks",
        "update",
        "2023S2-XB-10",
        "--status",
        "done",
        "--completed-on",
        "2023-11-25",
        db=db_url,
    )
    listed = json.loads(
        run(
            "tasks", "list", "--period", "2023S2", "--date", "2023-12-05", "--json", db=db_url
        ).stdout
    )
    status = {t["code"]: t["status_on"] for t in listed["tasks"]}
    assert status["2023S2-XB-10"] == "done" and status["2023S2-XB-01"] == "not_started"
    assert "quá hạn" not in run("tasks", "list", "--date", "2023-12-05", db=db_url).stdout
    bad = run("tasks", "update", "2023S2-XB-01", "--status", "finished", db=db_url, check=False)
    assert bad.returncode == 1 and "not_started, in_progress or done" in bad.stderr
    run("demo", db=db_url)
    res = json.loads(
        run(
            "report",
            "--period",
            "2023S1",
            "--format",
            "md,docx",
            "--out",
            str(tmp_path),
            "--date",
            "2023-06-30",
            "--json",
            db=db_url,
        ).stdout
    )
    assert set(res["files"]) == {"md", "docx", "facts"}
    md = (tmp_path / "report-2023S1-vi.md").read_text(encoding="utf-8")
    assert "Trong 6 tháng đầu năm 2023, doanh thu toàn ngành TT&TT ước đạt 1.614.206" in md
    wrong = run("report", "--period", "2023S1", "--format", "odt", db=db_url, check=False)
    assert wrong.returncode == 2 and "unknown format" in wrong.stderr
