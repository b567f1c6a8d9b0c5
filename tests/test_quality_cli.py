"""Data quality through the installed `chitieu` command, on SQLite and PostgreSQL."""

import json

from test_cli import run


def test_quality_commands_on_the_demo(db_url):
    run("demo", db=db_url)
    rep = json.loads(run("validate", "--period", "2023S1", "--json", db=db_url).stdout)
    assert rep["valid"] and rep["errors"] == 0 and rep["stats"]["units"] == 64
    # An Giang's weak half-year shows as an outlier warning with its expected range
    assert any(f["type"] == "outlier-history" and f["unit"] == "89@63" for f in rep["findings"])
    table = run("validate", "--period", "2023S1", "--lang", "en", db=db_url).stdout
    assert "expected range" in table and "warnings" in table
    args = ("completeness", "--period", "2023S1", "--round", "estimate", "--json")
    # the half-year forms: the provinces', the sub-sectors' and (issue 18) the nation's
    c, *_others = json.loads(run(*args, db=db_url).stdout)
    assert c["form"] == "TTTT-6T" and c["counts"]["timeliness"]["on_time"] == 62  # one form
    late = [u for u in c["units"] if u["timeliness"] == "late"]
    assert [(u["unit"], u["days_late"], u["estimated"]) for u in late] == [("89@63", 8, True)]
    assert {u["state"] for u in c["units"]} == {"received"}  # imported, not through the web
    human = run("completeness", "--period", "2023S1", "--round", "estimate", db=db_url).stdout
    assert "An Giang" in human and "trễ hạn" in human
    # as of the conference's eve, An Giang had not reported: the ministry estimates it
    est = json.loads(run("estimate", "--period", "2023S1", "--as-of", "2023-06-25",
                         "--dry-run", "--json", db=db_url).stdout)  # fmt: skip
    # only the nation's own half-year form (TTTT-6T-TQ, issue 18) is still open then
    assert est["unchanged"] == 4 and est["batch"] is None
    assert {e["unit"] for e in est["estimates"]} <= {"VN"}
    fresh = json.loads(run("estimate", "--period", "2023S1", "--as-of", "2023-06-25", "--unit",
                           "89", "--method", "carry_forward", "--dry-run", "--json",
                           db=db_url).stdout)  # fmt: skip
    assert {e["method"] for e in fresh["estimates"]} == {"carry_forward"}
    assert len(fresh["estimates"]) == 4
    rev = json.loads(run("revisions", "-i", "ICT_REVENUE", "-u", "89", "-p", "2023S1", "--json",
                         db=db_url).stdout)  # fmt: skip
    assert [v["method"] for v in rev["vintages"]] == ["ratio_of_means", None]
    assert rev["note"].startswith("điều chỉnh từ") and "xuống" in rev["note"]
    vn = run("revisions", "-i", "ICT_REVENUE", "-p", "2023S1", "--lang", "en", db=db_url).stdout
    assert "revised down from" in vn and "1,614,206" in vn
    tri = json.loads(run("revisions", "-i", "ICT_REVENUE", "--triangle", "--json",
                         db=db_url).stdout)  # fmt: skip
    row = next(r for r in tri["rows"] if r["period"] == "2023S1")
    assert row["latest"] == 1614206 and row["revision"] < 0 and tri["mean_abs_revision"] > 0
    # the summary still reads the source document's figures
    out = json.loads(run("summary", "--period", "2023S1", "--json", db=db_url).stdout)
    got = {f["indicator"]: f["value"] for f in out["facts"]}
    assert got["ICT_REVENUE"] == 1614206 and got["ICT_LABOUR"] == 1512144


def test_import_of_a_bad_file_lists_every_error_and_writes_nothing(tmp_path, db_url):
    run("import", str(_good(tmp_path)), db=db_url)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "indicator,unit,period,value,kind\n"
        "ICT_REVENUE,VN,2023,1000,actual\n"  # breaks the balance with the stored parts
        "ICT_LABOUR,VN,2023,-5,actual\n"  # labour ≥ 0
        "PUB_EPUBS,VN,2023,50,actual\n"  # e-publications share > 100%
        "PUB_TITLES,VN,2023,10,actual\n"  # ... and titles without copies (warning)
        "ICT_REVENU,VN,2023,1,actual\n"  # unknown indicator
        "ICT_GDP,VN,2023X,1,actual\n"  # bad period
        "ICT_GDP,VN,2023,abc,actual\n"  # bad number
        "ICT_GDP,Nowhere,2023,1,actual\n",  # unknown unit
        encoding="utf-8",
    )
    proc = run("import", str(bad), "--json", db=db_url, check=False)
    assert proc.returncode == 1
    rep = json.loads(proc.stdout)
    assert rep["written"] == 0 and not rep["valid"]
    places = {(f["rule"], f.get("row"), f.get("column")) for f in rep["findings"]}
    assert places == {
        ("ict-revenue-balance", 2, "value"),
        ("out-of-domain", 3, "value"),  # the domain speaks before ict-labour-non-negative
        ("pub-epub-share-max", 4, "value"),
        ("pub-titles-copies-pair", 5, "value"),
        ("unknown-indicator", 6, "indicator"),
        ("bad-period", 7, "period"),
        ("bad-number", 8, "value"),
        ("unknown-unit", 9, "unit"),
    }
    assert rep["errors"] == 7 and rep["warnings"] == 1
    balance = next(f for f in rep["findings"] if f["rule"] == "ict-revenue-balance")
    assert balance["imbalance"] == 900 and balance["file"] == "bad.csv"
    human = run("import", str(bad), db=db_url, check=False)
    assert "chưa ghi gì" in human.stderr and "ICT_REVENU" in human.stderr  # --lang vi
    summary = json.loads(run("summary", "--period", "2023", "--json", db=db_url).stdout)
    assert {f["indicator"] for f in summary["facts"]} == {
        "TEL_REVENUE", "IT_REVENUE", "POST_REVENUE", "PPD_REVENUE", "PRESS_REVENUE"}  # fmt: skip


def _good(tmp_path):
    good = tmp_path / "parts.csv"
    good.write_text(
        "indicator,unit,period,value,kind\n"
        "TEL_REVENUE,VN,2023,19,actual\nIT_REVENUE,VN,2023,78,actual\n"
        "POST_REVENUE,VN,2023,1.6,actual\nPPD_REVENUE,VN,2023,0.9,actual\n"
        "PRESS_REVENUE,VN,2023,0.5,actual\n",
        encoding="utf-8",
    )
    return good
