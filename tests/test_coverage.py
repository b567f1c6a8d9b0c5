"""Coverage travels with every figure (issue 17, item 1): incomplete data never yields a change,
a rank or a share the coverage rule withholds, and each fact says what it covers and why."""

from datetime import date

import pytest

from chitieu.analyze.coverage import REASONS, reason_text
from chitieu.analyze.facts import Boundaries, facts
from chitieu.catalog.units import registry
from chitieu.store.values import NewValue

OLD = [u.id for u in registry().provinces(date(2023, 6, 30))]  # the 63
NEW = [u.id for u in registry().provinces(date(2026, 6, 30))]  # the 34
AN_GIANG, OLD_AN_GIANG, KIEN_GIANG = "91@34", "89@63", "91@63"


def _write(store, rows):
    store.write(rows, source="test", created_by="t")


def _half(period, units, value=100.0, indicator="ICT_REVENUE", kind="actual"):
    return [NewValue(indicator, u, period, kind, value) for u in units]


def test_missing_predecessor_in_the_base_year_withholds_the_change(store):
    """An Giang of today = An Giang + Kiên Giang: with Kiên Giang missing in 2022, no change."""
    _write(store, _half("2023S1", OLD) + _half("2022S1", [u for u in OLD if u != KIEN_GIANG]))
    got = facts(store, "2023S1", indicators=["ICT_REVENUE"])
    ag = got.get("ICT_REVENUE", AN_GIANG)
    assert ag.value == 200 and ag.previous == 100  # the figures are kept...
    assert ag.change_pct is None and ag.change_pct_exact is None  # ...not the +100% change
    assert ag.withheld == {"change_pct": "coverage_differs"}
    assert ag.coverage.to_dict() == {
        "expected": 2, "reported": 2, "estimated": 0, "missing": [], "complete": True,
        "own": False,
    }  # fmt: skip
    assert ag.previous_coverage.to_dict()["missing"] == [{"unit": KIEN_GIANG, "period": "2022S1"}]
    assert ag.rank is not None and ag.rank_of == 34  # complete this year: ranked
    nation = got.get("ICT_REVENUE", "VN")
    assert nation.coverage.complete and nation.previous_coverage.text() == "62/63"
    assert nation.change_pct is None and nation.withheld == {"change_pct": "coverage_differs"}
    # a province whose both years are complete keeps its change
    hanoi = got.get("ICT_REVENUE", "01@34")
    assert hanoi.change_pct == 0.0 and not hanoi.withheld


def test_nation_from_one_province_is_withheld_and_nobody_is_first_of_one(store):
    _write(store, _half("2026S1", ["01@34"]) + _half("2025S2", ["01@34"]))
    got = facts(store, "2026S1", indicators=["ICT_REVENUE"])
    nation = got.get("ICT_REVENUE", "VN")
    assert nation.value is None and nation.withheld["value"] == "coverage_below_threshold"
    assert nation.coverage.text() == "1/34" and len(nation.coverage.missing) == 33
    hanoi = got.get("ICT_REVENUE", "01@34")
    assert hanoi.value == 100 and hanoi.coverage.complete
    assert hanoi.rank is None and hanoi.rank_of is None
    assert hanoi.withheld == {"share_pct": "total_incomplete", "rank": "too_few_to_rank"}


def test_nation_from_most_provinces_is_stated_with_its_coverage(store):
    reporting = NEW[:31]
    _write(store, _half("2026S1", reporting) + _half("2025S1", OLD))
    got = facts(store, "2026S1", indicators=["ICT_REVENUE"])
    nation = got.get("ICT_REVENUE", "VN")
    assert nation.value == 3100 and nation.coverage_text == "31/34"
    assert not nation.coverage.complete and "value" not in nation.withheld
    # last year covered all 63 old provinces, this year 31 of 34: not like for like
    assert nation.withheld == {"change_pct": "coverage_differs"}
    ranked = [f for f in got.of_indicator("ICT_REVENUE") if f.rank is not None]
    assert len(ranked) == 31 and {f.rank_of for f in ranked} == {31}
    assert all(f.share_pct is None for f in got.of_indicator("ICT_REVENUE"))


def test_missing_month_in_a_half(store):
    """Monthly figures: a province without June has no half; the nation is 33/34; a merged
    province one of whose predecessors missed June is incomplete: no rank, no change."""
    months = [f"2026{m:02d}" for m in range(1, 7)]
    rows = [NewValue("ICT_REVENUE", u, m, "actual", 10.0) for u in NEW for m in months]
    rows = [r for r in rows if not (r.unit == "01@34" and r.period == "202606")]
    rows += _half("2025S1", OLD, 60.0)
    old_months = [f"2023{m:02d}" for m in range(1, 7)]
    rows += [NewValue("ICT_REVENUE", u, m, "actual", 10.0) for u in OLD for m in old_months]
    rows = [r for r in rows if not (r.unit == KIEN_GIANG and r.period == "202306")]
    rows += _half("2022S1", OLD, 60.0)
    _write(store, rows)
    got = facts(store, "2026S1", indicators=["ICT_REVENUE"])
    assert got.get("ICT_REVENUE", "01@34") is None or got.get("ICT_REVENUE", "01@34").value is None
    nation = got.get("ICT_REVENUE", "VN")
    assert nation.value == 33 * 60 and nation.coverage.text() == "33/34"
    assert nation.coverage.to_dict()["missing"] == [{"unit": "01@34", "period": "2026S1"}]

    h1 = facts(store, "2023S1", indicators=["ICT_REVENUE"])
    ag = h1.get("ICT_REVENUE", AN_GIANG)
    assert ag.value == 110  # An Giang's six months and Kiên Giang's five: summed as stored...
    assert ag.coverage.text() == "1/2"  # ...but not covering Kiên Giang's half
    assert ag.coverage.to_dict()["missing"] == [{"unit": KIEN_GIANG, "period": "2023S1"}]
    assert ag.change_pct is None and ag.withheld["change_pct"] == "coverage_differs"
    assert ag.rank is None and ag.withheld["rank"] == "coverage_incomplete"
    assert ag.share_pct is None and ag.withheld["share_pct"] == "total_incomplete"
    assert {f.rank_of for f in h1.of_indicator("ICT_REVENUE") if f.rank} == {33}


def test_a_units_own_figure_covers_it(store):
    """The ministry's own national figure covers the nation, whatever the provinces sent."""
    _write(store, _half("2023S1", ["VN", "01@63"], 500.0) + _half("2022S1", ["VN"], 400.0))
    got = facts(store, "2023S1", indicators=["ICT_REVENUE"])
    nation = got.get("ICT_REVENUE", "VN")
    assert nation.value == 500 and nation.change_pct == 25.0 and not nation.withheld
    assert nation.coverage.own and nation.coverage.complete and nation.coverage_text is None


def test_ministry_estimates_are_counted_apart(store):
    rows = _half("2026S1", NEW[1:]) + _half("2025S1", OLD)
    rows.append(
        NewValue("ICT_REVENUE", NEW[0], "2026S1", "estimate", 100.0, method="ratio_of_means")
    )
    _write(store, rows)
    nation = facts(store, "2026S1", indicators=["ICT_REVENUE"]).get("ICT_REVENUE", "VN")
    cov = nation.coverage.to_dict()
    assert (cov["expected"], cov["reported"], cov["estimated"], cov["complete"]) == (
        34,
        33,
        1,
        True,
    )


def test_a_units_coverage_on_the_old_boundaries(store):
    _write(store, _half("2023S1", OLD[:40]))
    got = facts(store, "2023S1", Boundaries.AS_REPORTED, indicators=["ICT_REVENUE"])
    nation = got.get("ICT_REVENUE", "VN")
    assert nation.coverage.text() == "40/63" and nation.value == 4000


def test_the_demo_is_complete_and_facts_json_carries_coverage(demo_sqlite):
    from chitieu import open_store

    store = open_store(demo_sqlite)
    got = facts(store, "2023S1")
    assert all(f.coverage is None or f.coverage.complete for f in got)
    assert not any(f.withheld for f in got)
    d = got.get("ICT_REVENUE", "VN").to_dict()
    assert d["coverage"]["expected"] == 63 and d["withheld"] == {}


@pytest.mark.parametrize("reason", REASONS)
def test_every_reason_is_phrased_in_both_languages(reason):
    assert reason_text(reason, "vi") and reason_text(reason, "en")
    assert reason_text(reason, "vi") != reason_text(reason, "en")
