"""One reading of "as of" on every command and API route that reads (issue 17, item 3).

Three batches are recorded on 30 June 2023: at 09:00 and 17:00 Vietnam time, and at 06:00 on
1 July Vietnam time — still 30 June in UTC. An instant written as a naive time (Vietnam time),
with ``+07:00``, with ``Z`` and with ``+00:00`` selects the same vintage; a bare date means
everything recorded before 00:00 of the next day in Vietnam (so not the 1 July batch, although
its UTC date is 30 June). Each reading command gives the same output for every spelling of one
instant and a different one for the next instant (SQLite and PostgreSQL).
"""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest
from typer.testing import CliRunner

from chitieu.cli.main import app as cli
from chitieu.store.values import NewValue, Store

#: batches: UTC time → values (ICT_REVENUE of the nation; provinces' values for completeness)
BATCHES = {
    datetime(2023, 6, 30, 2): {"VN": 100.0, "01@63": 10.0, "PUB": 1000.0},  # 09:00 VN
    datetime(2023, 6, 30, 10): {"VN": 120.0, "79@63": 20.0, "PUB": 1200.0},  # 17:00 VN
    datetime(2023, 6, 30, 23): {"VN": 150.0, "31@63": 30.0, "PUB": 1500.0},  # 06:00 VN, 1/7
}
#: each instant in every spelling; the value of the nation's ICT_REVENUE then
INSTANTS = {
    "noon": (
        ["2023-06-30T12:00", "2023-06-30T12:00:00+07:00", "2023-06-30T05:00Z",
         "2023-06-30T05:00:00+00:00", "2023-06-30 12:00"],
        100.0,
    ),
    "day": (
        ["2023-06-30", "2023-06-30T23:59:59.999999", "2023-06-30T16:59:59.999999Z",
         "2023-06-30T23:59:59.999999+07:00"],
        120.0,
    ),
    "next day": (["2023-07-01", "2023-07-01T23:59:59.999999+07:00"], 150.0),
}  # fmt: skip


def _fill(store: Store) -> None:
    for at, vals in BATCHES.items():
        rows = [
            NewValue("ICT_REVENUE", u, "2023S1", "actual", v) for u, v in vals.items() if u != "PUB"
        ]
        rows.append(NewValue("PUB_TITLES", "VN", "2023", "actual", vals["PUB"]))
        if at.hour == 10:  # a second indicator arrives with the second batch
            rows.append(NewValue("ICT_BUDGET", "VN", "2023S1", "actual", 7.0))
        store.write(rows, source="test", created_by="test", at=at)


@pytest.fixture
def filled(store: Store, tmp_path) -> tuple[Store, str]:
    _fill(store)
    return store, store.engine.url.render_as_string(hide_password=False)


def _cli(url: str, *args: str) -> str:
    res = CliRunner().invoke(cli, [*args, "--db", url])
    assert res.exit_code == 0, (args, res.output)
    return res.output


#: the reading commands, each as (arguments, what of its output to compare)
def _summary(out: str) -> object:
    return {(f["indicator"], f["unit"]): f["value"] for f in json.loads(out)["facts"]}


def _revisions(out: str) -> object:
    got = json.loads(out)
    return [(r["value"], r["at"]) for r in got["releases"]], [v["value"] for v in got["vintages"]]


def _validate(out: str) -> object:
    return json.loads(out)["stats"]


def _completeness(out: str) -> object:
    return [(u["unit"], u["indicators_received"]) for c in json.loads(out) for u in c["units"]]


def _benchmark(out: str) -> object:
    vn = next(c for c in json.loads(out)["countries"] if c["iso3"] == "VNM")
    return {k: v.get("value") for k, v in vn["indicators"].items()}


COMMANDS = {
    "summary": (["summary", "--period", "2023S1", "--unit", "all", "--json"], _summary),
    "revisions": (["revisions", "-i", "ICT_REVENUE", "-p", "2023S1", "--json"], _revisions),
    "validate": (["validate", "--period", "2023S1", "--json"], _validate),
    "completeness": (
        ["completeness", "--period", "2023S1", "--round", "actual", "--json"],
        _completeness,
    ),
    "benchmark": (
        ["benchmark", "publishing", "--year", "2023", "--runs", "2", "--json"],
        _benchmark,
    ),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_spelling_of_an_instant_selects_the_same_vintage(filled, command):
    _, url = filled
    args, pick = COMMANDS[command]
    seen = []
    for spellings, _ in INSTANTS.values():
        outs = [pick(_cli(url, *args, "--as-of", s)) for s in spellings]
        assert all(o == outs[0] for o in outs), (command, spellings, outs)
        seen.append(outs[0])
    assert seen[0] != seen[1] != seen[2], (command, seen)


def test_the_summary_says_which_vintage(filled):
    _, url = filled
    args, pick = COMMANDS["summary"]
    for spellings, want in INSTANTS.values():
        for s in spellings:
            assert pick(_cli(url, *args, "--as-of", s))[("ICT_REVENUE", "VN")] == want, s
    human = _cli(url, "summary", "--period", "2023S1", "--as-of", "2023-06-30T05:00Z")
    assert "30/06/2023 12:00 (giờ Việt Nam)" in human


def test_the_report_reads_the_same_instant(filled, tmp_path):
    _, url = filled
    texts = []
    for spellings, _ in list(INSTANTS.values())[:2]:
        got = []
        for i, s in enumerate(spellings[:3]):
            out = tmp_path / f"{len(texts)}-{i}"
            _cli(url, "report", "--period", "2023S1", "--format", "md", "--out", str(out),
                 "--date", "2023-07-02", "--as-of", s)  # fmt: skip
            got.append(next(out.glob("*.md")).read_text(encoding="utf-8"))
        assert all(g == got[0] for g in got)
        texts.append(got[0])
    assert texts[0] != texts[1]


def test_a_bad_instant_is_a_usage_error(filled):
    _, url = filled
    for command in ("summary", "validate", "revisions"):
        args, _ = COMMANDS[command]
        res = CliRunner().invoke(cli, [*args, "--as-of", "2023-13-01", "--db", url])
        assert res.exit_code == 2, res.output


def test_the_api_reads_every_spelling_alike(filled):
    import warnings

    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient

    from chitieu.web.accounts import Accounts
    from chitieu.web.app import create_app

    store, _ = filled
    accounts = Accounts(store)
    accounts.add("admin", "correct horse battery", "admin")
    token = accounts.add_token("admin", "tests")
    client = TestClient(create_app(store=store), headers={"Authorization": f"Bearer {token}"})
    for spellings, want in INSTANTS.values():
        for s in spellings:
            q = {"period": "2023S1", "unit": "VN", "as_of": s}
            facts = client.get("/api/v1/summary", params=q).json()["facts"]
            assert {f["indicator"]: f["value"] for f in facts}["ICT_REVENUE"] == want, s
            vals = client.get("/api/v1/values", params={**q, "indicator": "ICT_REVENUE"}).json()
            assert [v["value"] for v in vals["values"]] == [want], s
            hist = client.get(
                "/api/v1/values/history", params={**q, "indicator": "ICT_REVENUE"}
            ).json()
            assert hist["changes"][0]["new"] == want, s
            board = client.get(
                "/api/v1/board/TTTT-6T/2023S1", params={"as_of": s, "round": "actual"}
            ).json()
            assert re.match(r"2023-0[67]-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+07:00", board["as_of"])
            rev = client.get("/api/v1/revisions", params={**q, "indicator": "ICT_REVENUE"})
            (fig,) = rev.json()["figures"]
            assert fig["latest"]["value"] == want and fig["first"]["value"] == 100, s
    bad = client.get("/api/v1/summary", params={"period": "2023S1", "as_of": "2023-13-01"})
    assert bad.status_code == 422
    found = client.get("/api/v1/revisions", params={"indicator": "ICT_REVENUE"}).json()
    assert [f["period"] for f in found["figures"]] == ["2023S1"]
    (fig,) = found["figures"]
    assert [(r["value"], r["vs_previous"], r["vs_first"]) for r in fig["releases"]] == [
        (100, None, None), (120, 20, 20), (150, 30, 50)]  # fmt: skip
    assert fig["releases"][1]["at"] == "2023-06-30T17:00:00+07:00"
    assert fig["note"] == "điều chỉnh từ 120 lên 150 tỷ đồng (+30; +25%)"
    assert client.get("/api/v1/revisions", params={"indicator": "NOPE"}).status_code == 404
    acc = client.get("/api/v1/revisions/accuracy", params={"indicator": "ICT_REVENUE"})
    assert acc.status_code == 200 and acc.json()["accuracy"] == []
