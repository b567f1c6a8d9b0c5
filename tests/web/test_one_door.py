"""One door in, one door out: the six behaviours the redesign fixed, on SQLite and PostgreSQL.

Each failed on the first round's code (commit 3fdb793): an import wrote into an approved
report, the CLI and the board disagreed on who reported, a revised peer row left the report
cached, the dashboard named periods nobody typed, the audit trail showed unrelated "before"
values, and a dashboard request built the fact table nine times.
"""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from chitieu import open_store
from chitieu.demo.build import load_demo
from chitieu.web.accounts import Accounts
from chitieu.web.app import create_app
from test_cli import run
from web.conftest import PASSWORD, WebEnv, make_env


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WebEnv]:
    """The demo loaded once per backend, with the web app and an analyst's token on it."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
        drop = None
    else:
        pg = request.getfixturevalue("pg_server")
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = create_engine(pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{pg}?options=-csearch_path%3D{schema}"
        drop = (admin, schema)
    store = open_store(url)
    load_demo(store)
    env = WebEnv(store, create_app(store=store))
    accounts = Accounts(store)
    for name, role in (("ana", "analyst"), ("rep04", "reporter")):
        accounts.add(name, PASSWORD, role, units=["04@34"] if role == "reporter" else [])
        env.tokens[name] = accounts.add_token(name, "tests")
    env.url = url  # type: ignore[attr-defined]
    yield env
    store.engine.dispose()
    if drop is not None:
        with drop[0].connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{drop[1]}" CASCADE'))
        drop[0].dispose()


def _csv(path: Path, value: str) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["indicator", "unit", "period", "value", "kind"])
        w.writerow(["ICT_REVENUE", "04@34", "2026S1", value, "estimate"])
    return path


def test_an_approved_report_is_locked_for_every_writer(demo, tmp_path):
    """04@34's TTTT-6T of 2026S1 is approved: the CLI import is refused like the API's write
    (before, the import was written with rc 0); an analyst's explicit override goes through
    and is recorded in the report's audit trail."""
    url = demo.url
    before = demo.store.history("ICT_REVENUE", "04@34", "2026S1", "estimate")
    refused = run("import", str(_csv(tmp_path / "a.csv", "999")), "--json", db=url, check=False)
    assert refused.returncode == 1
    out = json.loads(refused.stdout)
    assert out["written"] == 0 and out["errors"] == 1 and out["finding_counts"]["value-locked"] == 1
    (finding,) = [f for f in out["findings"] if f["type"] == "value-locked"]
    assert (
        finding["row"] == 2 and finding["unit"] == "04@34" and "TTTT-6T" in finding["message"]["en"]
    )
    assert demo.store.history("ICT_REVENUE", "04@34", "2026S1", "estimate") == before
    api = demo.api("ana")
    row = {"indicator": "ICT_REVENUE", "unit": "04@34", "period": "2026S1", "value": 999,
           "kind": "estimate"}  # fmt: skip
    assert api.post("/api/v1/values", json={"values": [row]}).status_code == 409
    # the override: explicit, with a reason, recorded
    done = run("import", str(_csv(tmp_path / "b.csv", "998")), "--override-lock",
               "số liệu chính thức của Sở", "--json", db=url, check=False)  # fmt: skip
    assert done.returncode == 0 and json.loads(done.stdout)["written"] == 1
    audit = api.get("/api/v1/submissions/TTTT-6T/04@34/2026S1/audit?round=estimate").json()
    audit = audit["events"]
    assert audit[0]["action"] == "override" and audit[0]["comment"] == "số liệu chính thức của Sở"
    assert audit[0]["changes"][0]["new"] == 998
    assert (
        demo.api("rep04")
        .post("/api/v1/values", json={"values": [row], "override_lock": True, "reason": "x"})
        .status_code
        == 403
    )  # a reporter may not override


def test_estimates_go_through_the_same_door(demo):
    """The ministry's estimates were written straight to the store: into an approved report
    too. They go through collect.ingest now, and the lock refuses them (nothing written)."""
    from datetime import UTC, datetime

    from chitieu.analyze.estimate import Estimate, EstimateRun, EstimatesRefused, write_estimates

    before = demo.store.history("ICT_REVENUE", "04@34", "2026S1", "estimate")
    run_ = EstimateRun("2026S1", datetime.now(UTC))
    run_.estimates.append(Estimate("ICT_REVENUE", "04@34", "2026S1", 5.0, "carry_forward", {}))
    with pytest.raises(EstimatesRefused) as caught:
        write_estimates(demo.store, run_, "tester")
    assert caught.value.report.counts["value-locked"] == 1 and run_.batch is None
    assert "TTTT-6T" in caught.value.text("vi")[0]
    assert demo.store.history("ICT_REVENUE", "04@34", "2026S1", "estimate") == before


def test_the_cli_and_the_board_tell_the_same_completeness(demo):
    """Before: the CLI said all 34 provinces were late, the board 21 on time, 8 late, 5 overdue;
    and the two gave the same answer under different keys. Now one shape: the same fields."""
    args = ("completeness", "--period", "2026S1", "--round", "estimate", "--json")
    (c, *_) = json.loads(run(*args, db=demo.url).stdout)
    board = demo.api("ana").get("/api/v1/board/TTTT-6T/2026S1?round=estimate").json()
    assert board.pop("ok") is True
    assert set(c) == set(board) and c["units"] == board["units"]
    for key in ("form", "round", "basis", "due", "counts", "reported", "expected"):
        assert c[key] == board[key], key
    assert c["form"] == "TTTT-6T" and c["basis"] == "submissions"
    timely = c["counts"]["timeliness"]
    assert 0 < board["reported"] < timely["on_time"] + timely["late"]  # returned ones do not count
    assert c["counts"]["state"]["returned"] > 0 and c["counts"]["state"]["received"] > 0


def test_a_revised_peer_row_reaches_the_report(demo, tmp_path):
    """Before: after `chitieu benchmark import` the report kept its old bytes for the day."""
    api = demo.api("ana")
    first = api.get("/api/v1/report", params={"period": "2023", "format": "md"})
    assert first.status_code == 200
    from chitieu.benchmark.reference import shipped_file

    with shipped_file().open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    deu = next(r for r in rows if r["country_iso3"] == "DEU" and r["year"] == "2023")
    deu["value"] = str(float(deu["value"]) * 3)
    path = tmp_path / "revised.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerow(deu)
    run("benchmark", "import", str(path), db=demo.url)
    second = api.get("/api/v1/report", params={"period": "2023", "format": "md"})
    assert second.status_code == 200 and second.content != first.content


@pytest.mark.parametrize("period", ["202306", "2023YTD09", "2023Q1", "2023S1", "2023"])
def test_the_dashboard_steps_back_through_periods_of_every_type(demo, period):
    """Before: ?period=202306 and ?period=2023YTD09 answered 400 naming 2023Q5 / 2023Q8."""
    r = demo.browser("ana").get("/dashboard", params={"period": period})
    assert r.status_code == 200, r.text[:300]


def test_the_audit_trail_shows_each_change_from_its_own_before(db_url):
    """Before: every change of a report's audit started from the same unrelated value."""
    env = make_env(db_url)
    rep = env.api("reporter")
    base = "/api/v1/submissions/TTTT-6T/01@34/2026S1"
    v = rep.get(base).json()["submission"]["version"]
    v = rep.put(base, json={"values": {"ICT_REVENUE": 10, "ICT_BUDGET": 1}, "version": v}).json()
    v = rep.put(base, json={"values": {"ICT_REVENUE": 12}, "version": v["submission"]["version"]})
    events = rep.get(base + "/audit").json()["events"]
    saves = [[(c["indicator"], c["old"], c["new"]) for c in e["changes"]] for e in events]
    assert saves == [
        [("ICT_REVENUE", 10, 12)],
        [("ICT_REVENUE", None, 10), ("ICT_BUDGET", None, 1)],
    ]
    page = env.browser("reporter").get("/entry/TTTT-6T/01@34/2026S1/audit").text
    assert "1.234" not in page
    env.store.engine.dispose()


def test_a_dashboard_request_loads_the_facts_once(demo):
    """Before: the fact table was built 9 times per dashboard request (each series point
    rebuilt every indicator), 5 times per report."""
    from chitieu.analyze import facts as facts_module

    client = demo.browser("ana")
    before = facts_module.loads()
    assert client.get("/dashboard", params={"period": "2022S2"}).status_code == 200
    assert facts_module.loads() - before == 1
    before = facts_module.loads()
    assert client.get("/dashboard", params={"period": "2022S2"}).status_code == 200
    assert facts_module.loads() - before == 0  # nothing written since: kept
    before = facts_module.loads()
    r = demo.api("ana").get("/api/v1/report", params={"period": "2022", "format": "md"})
    assert r.status_code == 200 and facts_module.loads() - before == 1
