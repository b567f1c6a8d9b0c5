"""Monthly and quarterly facts (issue 17, item 5): the change on the period before and the
cumulative figure since January, like for like."""

from datetime import date

from chitieu.analyze.facts import facts
from chitieu.catalog.units import registry
from chitieu.store.values import NewValue

NEW = [u.id for u in registry().provinces(date(2026, 6, 30))]


def _months(year, units, value, months=range(1, 13)):
    return [
        NewValue("ICT_REVENUE", u, f"{year}{m:02d}", "actual", value(m))
        for u in units
        for m in months
    ]


def test_month_on_month_and_year_to_date(store):
    rows = _months(2026, ["VN"], lambda m: 100.0 + m) + _months(2025, ["VN"], lambda m: 90.0 + m)
    store.write(rows, source="test", created_by="t")
    f = facts(store, "202609", indicators=["ICT_REVENUE"]).get("ICT_REVENUE", "VN")
    assert (f.prior_period, f.prior, f.prior_change_pct) == ("202608", 108, 0.93)
    assert (f.cumulative_period, f.cumulative) == ("2026YTD09", 945)
    assert f.cumulative_change_pct == 10.53 and f.cumulative_coverage.complete
    q = facts(store, "2026Q3", indicators=["ICT_REVENUE"]).get("ICT_REVENUE", "VN")
    assert (q.prior_period, q.prior, q.prior_change_pct) == ("2026Q2", 315, 2.86)
    assert q.cumulative == 945 and q.to_dict()["cumulative_coverage"]["own"]
    jan = facts(store, "202601", indicators=["ICT_REVENUE"]).get("ICT_REVENUE", "VN")
    assert jan.prior_period == "202512" and jan.prior == 102  # across the year
    assert jan.cumulative_period is None  # January is its own year to date
    half = facts(store, "2026S1", indicators=["ICT_REVENUE"]).get("ICT_REVENUE", "VN")
    assert half.prior_period is None and half.cumulative is None  # not for halves


def test_no_month_on_month_change_between_different_reporters(store):
    rows = _months(2026, NEW, lambda m: 10.0, months=range(1, 10))
    rows = [r for r in rows if not (r.unit == NEW[0] and r.period == "202608")]
    store.write(rows, source="test", created_by="t")
    got = facts(store, "202609", indicators=["ICT_REVENUE"])
    nation = got.get("ICT_REVENUE", "VN")
    assert nation.value == 340 and nation.prior == 330
    assert nation.prior_change_pct is None
    assert nation.withheld["prior_change_pct"] == "coverage_differs"
    # August missing for one province: its 9 months are not complete, nor the nation's
    assert nation.cumulative == 33 * 90 and nation.cumulative_coverage.text() == "33/34"
    own = got.get("ICT_REVENUE", NEW[1])
    assert own.prior_change_pct == 0.0 and "prior_change_pct" not in own.withheld
