"""Estimate accuracy (issue 17, item 4): a unit's own estimates against its actuals, the OECD
measures (mean revision, mean absolute revision), the bias test, and `chitieu estimate`'s
warning (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import datetime

from typer.testing import CliRunner

from chitieu.analyze.accuracy import accuracy, bias_warnings
from chitieu.cli.main import app as cli
from chitieu.store.values import NewValue

#: half-years: (estimate, actual) of two provinces; Hà Nội's estimates always ~10 % short
LOW = {"2020S1": (90, 100), "2021S1": (99, 110), "2022S1": (108, 120), "2023S1": (117, 130)}
FAIR = {"2020S1": (101, 100), "2021S1": (109, 110), "2022S1": (121, 120), "2023S1": (129, 130)}


def _fill(store):
    for i, period in enumerate(LOW):
        year = int(period[:4])
        est = [NewValue("ICT_REVENUE", u, period, "estimate", float(t[period][0]))
               for u, t in (("01@63", LOW), ("79@63", FAIR))]  # fmt: skip
        # the ministry's own estimate for a third province: not that province's "ước"
        est.append(NewValue("ICT_REVENUE", "31@63", period, "estimate", 50.0, method="m"))
        store.write(est, source="t", created_by="t", at=datetime(year, 6, 20))
        act = [NewValue("ICT_REVENUE", u, period, "actual", float(t[period][1]))
               for u, t in (("01@63", LOW), ("79@63", FAIR))]  # fmt: skip
        act.append(NewValue("ICT_REVENUE", "31@63", period, "actual", 80.0))
        store.write(act, source="t", created_by="t", at=datetime(year, 8, 1, i))
        # an estimate sent after the actual is no forecast: left out
        late = NewValue("ICT_REVENUE", "01@63", period, "estimate", 1.0)
        store.write([late], source="t", created_by="t", at=datetime(year, 9, 1))


def test_mean_revision_and_bias(store):
    _fill(store)
    got = {a.unit: a for a in accuracy(store, ["ICT_REVENUE"])}
    assert set(got) == {"01@63", "79@63"}  # the ministry's estimates are not the unit's
    low, fair = got["01@63"], got["79@63"]
    assert low.periods == list(LOW) and low.revisions == [10, 11, 12, 13]
    assert low.mean_revision == 11.5 and low.mean_abs_revision == 11.5
    assert low.revisions_pct == [10.0, 10.0, 10.0, 10.0] and low.direction == "low"
    assert low.biased and not fair.biased
    assert fair.mean_revision == 0 and fair.mean_abs_revision == 1
    # as of before the last actual, three periods are known
    assert accuracy(store, ["ICT_REVENUE"], ["01@63"], as_of=datetime(2023, 7, 1))[0].n == 3
    # the periods before 2023S1 only, as `chitieu estimate` judges a unit
    before = accuracy(store, None, ["01@63"], period_type="half", before="2023S1")
    assert before[0].periods == ["2020S1", "2021S1", "2022S1"]


def test_estimate_warns_of_a_biased_unit(store):
    _fill(store)
    warned = bias_warnings(store, "2024S1", lang="vi")
    assert [a.unit for a, _ in warned] == ["01@63"]
    assert warned[0][1].startswith("Ước đạt của Thành phố Hà Nội về ")
    assert "thấp hơn số thực hiện (bình quân 10% qua 4 kỳ)" in warned[0][1]
    url = store.engine.url.render_as_string(hide_password=False)
    res = CliRunner().invoke(
        cli, ["estimate", "--period", "2024S1", "--dry-run", "--json", "--db", url]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert [w["unit"] for w in out["biased"]] == ["01@63"]
    res = CliRunner().invoke(
        cli, ["revisions", "--accuracy", "-i", "ICT_REVENUE", "--json", "--db", url]
    )
    rows = json.loads(res.output)["accuracy"]
    assert [(r["unit"], r["biased"], r["direction"]) for r in rows] == [
        ("01@63", True, "low"), ("79@63", False, None)]  # fmt: skip
    human = CliRunner().invoke(cli, ["revisions", "--accuracy", "--db", url, "--lang", "en"])
    assert human.exit_code == 0 and "01@63" in human.output and "low" in human.output
