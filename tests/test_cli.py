"""End to end through the installed `chitieu` command, on SQLite and PostgreSQL."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXE = shutil.which("chitieu", path=str(Path(sys.executable).parent)) or "chitieu"


def run(*args, db=None, cwd=None, check=True):
    env = {**os.environ, "CHITIEU_USER": "tester"}
    if db:
        env["CHITIEU_DB"] = db
    proc = subprocess.run([EXE, *args], capture_output=True, text=True, env=env, cwd=cwd)
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def test_demo_then_summary_gives_the_source_documents_figures(db_url):
    run("demo", db=db_url)
    out = json.loads(
        run("summary", "--period", "2023S1", "--unit", "VN", "--json", db=db_url).stdout
    )
    got = {
        f["indicator"]: (f["value"], f["change_pct"], f["plan_pct"], f["kind"])
        for f in out["facts"]
    }
    assert got["ICT_REVENUE"] == (1614206, -8.66, 39.6, "estimate")
    assert got["ICT_BUDGET"] == (45405, -8.8, 43.66, "estimate")
    assert got["ICT_GDP"] == (389792, -7.2, 41.24, "estimate")
    assert got["ICT_LABOUR"] == (1512144, 1.96, 99.17, "estimate")
    table = run("summary", "--period", "2023S1", db=db_url).stdout
    assert "1.614.206" in table and "-8,66" in table


def test_default_database_is_a_file_in_the_working_directory(tmp_path):
    env_free = {k: v for k, v in os.environ.items() if k != "CHITIEU_DB"}
    proc = subprocess.run([EXE, "demo"], cwd=tmp_path, env=env_free, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "chitieu.db").exists()


def test_import_exit_codes_and_json_report(tmp_path, db_url):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "indicator,unit,period,value,kind\nNOPE,VN,2023,1,actual\nICT_GDP,VN,2023,x,actual\n"
    )
    proc = run("import", str(bad), "--json", db=db_url, check=False)
    assert proc.returncode == 1
    rep = json.loads(proc.stdout)
    assert rep["valid"] is False and rep["written"] == 0 and rep["errors"] == 2
    assert {(f["row"], f["column"]) for f in rep["findings"]} == {(2, "indicator"), (3, "value")}
    human = run("import", str(bad), db=db_url, check=False)  # in the command's --lang (vi)
    assert human.returncode == 1 and "NOPE" in human.stderr and "chưa ghi gì" in human.stderr
    en = run("import", str(bad), "--lang", "en", db=db_url, check=False)
    assert "nothing was written" in en.stderr and "chưa ghi" not in en.stderr
    assert run("import", str(tmp_path / "missing.csv"), db=db_url, check=False).returncode == 2
    good = tmp_path / "good.csv"
    good.write_text("indicator,unit,period,value,kind\nICT_GDP,VN,2023,1,actual\n")
    assert run("import", str(good), "--dry-run", "--json", db=db_url).returncode == 0
    rep = json.loads(run("import", str(good), "--json", db=db_url).stdout)
    assert rep["written"] == 1 and rep["batch"] == 1


def test_catalog_units_period_commands():
    cat = json.loads(run("catalog", "--json").stdout)
    assert {"ICT_REVENUE", "ICT_BUDGET", "ICT_GDP", "ICT_LABOUR"} <= {i["code"] for i in cat}
    assert len(json.loads(run("units", "--as-of", "2023-06-30", "--json").stdout)) == 64
    units_2026 = json.loads(run("units", "--as-of", "2026-01-01", "--json").stdout)
    assert len(units_2026) == 35 and {"80@34", "VN"} <= {u["id"] for u in units_2026}
    p = json.loads(run("period", "2023Q3", "--json").stdout)
    assert p["year_to_date"] == "2023YTD09" and p["label"] == "quý III/2023"


@pytest.mark.parametrize("args", [["--help"], ["import", "--help"], ["summary", "--help"]])
def test_help(args):
    assert "Usage" in run(*args).stdout


def test_a_wrong_unit_or_period_is_a_usage_error_told_in_vietnamese_first(tmp_path):
    db = f"sqlite:///{tmp_path / 'empty.db'}"
    unit = run("summary", "--period", "2023S1", "--unit", "Ha Noii", db=db, check=False)
    assert unit.returncode == 2
    assert "không có đơn vị tên 'Ha Noii'" in unit.stderr
    assert "Tên gần giống: Hà Nội" in unit.stderr
    en = run("summary", "-p", "2023S1", "-u", "Ha Noii", "--lang", "en", db=db, check=False)
    assert "unknown unit 'Ha Noii'" in en.stderr and "closest names: Hà Nội" in en.stderr
    period = run("summary", "--period", "2023X1", db=db, check=False)
    assert period.returncode == 2 and "'2023X1' không phải mã kỳ báo cáo" in period.stderr
    as_json = json.loads(run("summary", "-p", "2023X1", "--json", db=db, check=False).stdout)
    assert as_json["type"] == "PeriodError" and as_json["error"] == "'2023X1' is not a period id"
    assert as_json["text"]["vi"]["error"] == "'2023X1' không phải mã kỳ báo cáo"
