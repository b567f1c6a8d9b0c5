"""`chitieu workflow` through the installed command, on SQLite and PostgreSQL: two approval
levels end to end (submit, return with a comment, reply, accept, approve, reopen), the queue,
a form's approval levels, and the documented exit codes."""

from __future__ import annotations

import json
import os

from test_cli import run

REPORT = ("--form", "TTTT-6T", "--unit", "01@34", "--period", "2026S1", "--round", "actual")
VALUES = {"ICT_REVENUE": 100, "ICT_BUDGET": 10, "ICT_GDP": 41900, "ICT_LABOUR": 500}


def _setup(db: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    os.environ["CHITIEU_PASSWORD"] = "mat-khau-dai-du"
    try:
        for name, role, unit in (
            ("hanoi", "reporter", "01@34"),
            ("hanoi-head", "head", "01@34"),
            ("bo", "analyst", None),
            ("admin", "admin", None),
        ):
            run("users", "add", name, "--role", role, *(("--unit", unit) if unit else ()), db=db)
    finally:
        os.environ.pop("CHITIEU_PASSWORD")
    csv = tmp_path / "values.csv"
    rows = "".join(f"{k},01@34,2026S1,{v},actual\n" for k, v in VALUES.items())
    csv.write_text("indicator,unit,period,value,kind\n" + rows, encoding="utf-8")
    run("import", str(csv), db=db)


def _do(db: str, action: str, who: str, *extra: str, check: bool = True):  # type: ignore[no-untyped-def]
    return run("workflow", action, *REPORT, "--as", who, "--json", *extra, db=db, check=check)


def test_two_approval_levels_end_to_end(db_url, tmp_path):
    _setup(db_url, tmp_path)
    status = json.loads(_do(db_url, "status", "hanoi").stdout)
    assert status["submission"]["status"] == "not_started" and "submit" in status["actions"]
    sub = json.loads(_do(db_url, "submit", "hanoi").stdout)["submission"]
    assert (sub["status"], sub["level"]) == ("submitted", 1)
    early = _do(db_url, "approve", "bo", check=False)
    assert (
        early.returncode == 1 and "lãnh đạo Sở" in json.loads(early.stdout)["text"]["vi"]["error"]
    )
    assert _do(db_url, "accept", "hanoi", check=False).returncode == 1  # not the reporter's
    bare = _do(db_url, "return", "hanoi-head", check=False)
    assert bare.returncode == 1 and "comment" in json.loads(bare.stdout)["error"]
    back = _do(db_url, "return", "hanoi-head", "--comment", "Kiểm tra lại số lao động")
    assert json.loads(back.stdout)["submission"]["returned_to"] == 0
    _do(db_url, "reply", "hanoi", "--comment", "Số liệu đúng, đã đối chiếu")
    _do(db_url, "submit", "hanoi")
    q = json.loads(run("workflow", "queue", "--as", "hanoi-head", "--json", db=db_url).stdout)
    assert [(r["unit"], r["round"], r["waiting"]) for r in q["reports"]] == [("01@34", "actual", 1)]
    _do(db_url, "accept", "hanoi-head", "--comment", "Đồng ý")
    q = json.loads(run("workflow", "queue", "--level", "2", "--json", db=db_url).stdout)
    assert [r["state"] for r in q["reports"]] == ["accepted"]
    assert _do(db_url, "approve", "admin", check=False).returncode == 0  # admin did not write
    reopened = json.loads(_do(db_url, "reopen", "bo", "-m", "Bổ sung số liệu").stdout)
    assert reopened["submission"]["status"] == "reopened"
    thread = json.loads(_do(db_url, "status", "hanoi").stdout)["thread"]
    assert [(p["action"], p["comment"]) for p in thread] == [
        ("return", "Kiểm tra lại số lao động"),
        ("reply", "Số liệu đúng, đã đối chiếu"),
        ("accept", "Đồng ý"),
        ("reopen", "Bổ sung số liệu"),
    ]
    human = run("workflow", "status", *REPORT, "--as", "hanoi", db=db_url).stdout
    assert "Thực hiện 6 tháng đầu năm 2026" in human and "được mở lại" in human


def test_exit_codes_and_approval_levels(db_url, tmp_path):
    _setup(db_url, tmp_path)
    assert _do(db_url, "submit", "nobody", check=False).returncode == 2  # no such account
    env = {k: v for k, v in os.environ.items() if k != "CHITIEU_USER"}
    import subprocess

    from test_cli import EXE

    proc = subprocess.run(
        [EXE, "workflow", "submit", *REPORT],
        capture_output=True,
        text=True,
        env={**env, "CHITIEU_DB": db_url},
    )
    assert proc.returncode == 2 and "--as" in proc.stderr  # which account acts was not said
    bad_round = run(
        "workflow",
        "status",
        "--form",
        "TTTT-KH",
        "--unit",
        "01@34",
        "--period",
        "2026",
        "--round",
        "actual",
        "--as",
        "bo",
        db=db_url,
        check=False,
    )
    assert bad_round.returncode == 2 and "plan" in bad_round.stderr
    levels = ("workflow", "levels", "--form", "TTTT-6T", "--json")
    assert run(*levels, "--set", "1", "--as", "bo", db=db_url, check=False).returncode == 1
    got = json.loads(run(*levels, "--set", "1", "-m", "thử", "--as", "admin", db=db_url).stdout)
    assert got["levels"] == 1 and got["history"][0]["actor"] == "admin"
    sub = json.loads(_do(db_url, "submit", "hanoi").stdout)["submission"]
    assert (sub["level"], sub["levels"]) == (2, [2])  # one level: the ministry's
    assert json.loads(_do(db_url, "approve", "bo").stdout)["submission"]["status"] == "approved"
