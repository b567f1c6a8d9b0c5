"""Estimates: each method on a worked example computed by hand; supersession; completeness."""

from datetime import datetime

import pytest

from chitieu.analyze.estimate import estimate_period, tile, write_estimates
from chitieu.analyze.facts import Boundaries, facts
from chitieu.catalog.indicators import catalog
from chitieu.check.completeness import completeness
from chitieu.store.values import NewValue, Store, best_value

T0 = datetime(2023, 1, 1)


def months(unit, year, values, code="ICT_REVENUE"):
    return [NewValue(code, unit, f"{year}{m:02d}", "actual", v) for m, v in enumerate(values, 1)]


@pytest.fixture
def monthly(store: Store) -> Store:
    rows = months("VN", 2021, [80] * 5 + [100])  # 2021: Jan–May 400, H1 500
    rows += months("VN", 2022, [100] * 5 + [100])  # 2022: Jan–May 500, H1 600
    rows += months("VN", 2023, [110] * 5)  # 2023: Jan–May 550, June not yet
    store.write(rows, source="t", created_by="t", at=T0)
    return store


def test_same_period_ratio(monthly):
    run = estimate_period(
        monthly, "2023S1", methods=["same_period_ratio"], indicators=["ICT_REVENUE"], units=["VN"]
    )
    (e,) = run.estimates
    # Ĥ1 2023 = H1 2022 × Σ(Jan–May 2023) / Σ(Jan–May 2022) = 600 × 550 / 500 = 660
    assert e.value == 660 and e.method == "same_period_ratio"
    assert e.inputs["previous"] == {"period": "2022S1", "value": 600}
    assert e.inputs["so_far"] == {"months": "01-05/2023", "value": 550}
    assert e.inputs["ratio"] == pytest.approx(1.1)


def test_seasonal_share(monthly):
    run = estimate_period(
        monthly, "2023S1", methods=["seasonal_share"], indicators=["ICT_REVENUE"], units=["VN"]
    )
    (e,) = run.estimates
    # shares of Jan–May in H1: 2022 500/600, 2021 400/500; mean 0,81667; 550 / 0,81667 = 673,47
    mean = (500 / 600 + 400 / 500) / 2
    assert e.inputs["mean_share"] == pytest.approx(mean)
    assert e.inputs["raw"] == pytest.approx(550 / mean) and e.value == 673


def test_ratio_of_means_and_not_mean_of_ratios(store):
    prev = {"01@63": 100, "79@63": 200, "31@63": 300, "48@63": 50}
    cur = {"01@63": 120, "79@63": 200, "31@63": 300}  # 48 (Đà Nẵng) has not reported
    rows = [NewValue("ICT_REVENUE", u, "2022S1", "actual", v) for u, v in prev.items()]
    rows += [NewValue("ICT_REVENUE", u, "2023S1", "estimate", v) for u, v in cur.items()]
    store.write(rows, source="t", created_by="t", at=T0)
    run = estimate_period(store, "2023S1", indicators=["ICT_REVENUE"], units=["48@63"])
    (e,) = run.estimates
    # ratio of means 620 / 600 = 1,0333 → 50 × 1,0333 = 51,67 → 52 (a mean of ratios gives 53)
    assert e.method == "ratio_of_means" and e.value == 52
    assert e.inputs["responders"] == 3 and e.inputs["ratio"] == pytest.approx(620 / 600)
    assert run.reported == 0


def test_carry_forward_flow_and_stock(store):
    rows = [
        NewValue("ICT_REVENUE", "VN", "2022S1", "actual", 600),
        NewValue("ICT_REVENUE", "VN", "2022S2", "actual", 700),
        NewValue("ICT_LABOUR", "VN", "2022S1", "actual", 1000),
        NewValue("ICT_LABOUR", "VN", "2022S2", "actual", 1050),
    ]
    store.write(rows, source="t", created_by="t", at=T0)
    run = estimate_period(store, "2023S1", methods=["carry_forward"],
                          indicators=["ICT_REVENUE", "ICT_LABOUR"], units=["VN"])  # fmt: skip
    got = {e.indicator: (e.value, e.inputs["from"]["period"]) for e in run.estimates}
    assert got == {"ICT_REVENUE": (600, "2022S1"), "ICT_LABOUR": (1050, "2022S2")}


def test_methods_fall_through_and_skip_with_reasons(store):
    run = estimate_period(store, "2023S1", indicators=["ICT_REVENUE"], units=["VN"])
    (s,) = run.skipped
    assert "same_period_ratio" in s.reason and "carry_forward: no earlier value" in s.reason
    assert catalog().get("ICT_LABOUR").estimation[0] == "same_period_ratio"


def test_estimate_is_superseded_not_deleted(store):
    store.write([NewValue("ICT_REVENUE", "VN", "2022S1", "actual", 600)], source="t",
                created_by="t", at=T0)  # fmt: skip
    t_est, t_act = datetime(2023, 6, 25), datetime(2023, 8, 10)
    run = estimate_period(store, "2023S1", t_est, methods=["carry_forward"],
                          indicators=["ICT_REVENUE"], units=["VN"])  # fmt: skip
    batch = write_estimates(store, run, "ministry", at=t_est)
    assert batch and {b["source"] for b in store.batches()} >= {"estimate"}
    store.write([NewValue("ICT_REVENUE", "VN", "2023S1", "actual", 640, "final")], source="t",
                created_by="so", at=t_act)  # fmt: skip
    hist = store.history("ICT_REVENUE", "VN", "2023S1")
    assert [(o.kind, o.value, o.method) for o in hist] == [
        ("estimate", 600, "carry_forward"), ("actual", 640, None)]  # fmt: skip
    assert hist[0].inputs["from"] == {"period": "2022S1", "value": 600}
    now = best_value(store.current(["2023S1"]))[("ICT_REVENUE", "VN", "2023S1")]
    assert (now.kind, now.value) == ("actual", 640)

    def fact(as_of):
        fs = facts(store, "2023S1", Boundaries.AS_REPORTED, as_of, indicators=["ICT_REVENUE"])
        return next((f.value, f.kind) for f in fs if f.unit == "VN")

    assert fact(datetime(2023, 7, 1)) == (600, "estimate")  # readable as of its date
    assert fact(None) == (640, "actual")
    # once actuals exist nothing is estimated again
    again = estimate_period(store, "2023S1", indicators=["ICT_REVENUE"], units=["VN"])
    assert not again.estimates and again.reported == 1


def test_tile_uses_aligned_blocks():
    assert [p.id for p in tile(2023, 1, 5)] == ["2023Q1", "202304", "202305"]
    assert [p.id for p in tile(2023, 7, 10)] == ["2023Q3", "202310"]
    assert [p.id for p in tile(2023, 1, 6)] == ["2023S1"]


def test_completeness_on_time_late_partial_missing(store):
    four = ("ICT_REVENUE", "ICT_BUDGET", "ICT_GDP", "ICT_LABOUR")
    store.write([NewValue(c, "01@63", "2023S1", "estimate", 1) for c in four], source="t",
                created_by="t", at=datetime(2023, 6, 19, 10))  # fmt: skip
    store.write([NewValue(c, "79@63", "2023S1", "estimate", 1) for c in four], source="t",
                created_by="t", at=datetime(2023, 6, 22, 10))  # fmt: skip
    store.write([NewValue("ICT_REVENUE", "31@63", "2023S1", "estimate", 1)], source="t",
                created_by="t", at=datetime(2023, 6, 19))  # fmt: skip
    store.write([NewValue("ICT_REVENUE", "48@63", "2023S1", "estimate", 1, method="carry_forward")],
                source="estimate", created_by="t", at=datetime(2023, 6, 21))  # fmt: skip
    (c,) = completeness(store, "2023S1", "SO_TTTT_HALF", "estimate")
    assert c.round == "estimate" and str(c.due) == "2023-06-20"
    by_unit = {u.unit: u for u in c.units}
    assert by_unit["01@63"].timeliness == "on_time" and by_unit["79@63"].timeliness == "late"
    assert by_unit["79@63"].days_late == 2 and by_unit["31@63"].timeliness == "partial"
    assert by_unit["48@63"].timeliness == "missing" and by_unit["48@63"].estimated  # not its own
    assert by_unit["48@63"].state == "not_started" and by_unit["01@63"].state == "received"
    assert c.counts["timeliness"] == {"on_time": 1, "late": 1, "partial": 1, "pending": 0,
                                      "missing": 60}  # fmt: skip
    # as of the deadline's day the round due next is the estimate (no round named)
    early = completeness(store, "2023S1", "SO_TTTT_HALF", as_of=datetime(2023, 6, 20))[0]
    assert early.round == "estimate"
    assert early.count("pending") == 61 and early.count("late") == 0
    actual = completeness(store, "2023S1", "SO_TTTT_HALF", "actual", datetime(2023, 8, 1))[0]
    assert actual.count("missing") == 63 and str(actual.due) == "2023-07-15"
