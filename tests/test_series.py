"""Like-for-like series (issue 17, item 5): the same half across years, each point with its
kind and coverage, never the halves one after the other."""

from datetime import date

from chitieu.analyze.series import like_for_like, series
from chitieu.catalog.units import registry
from chitieu.store.values import NewValue

OLD = [u.id for u in registry().provinces(date(2023, 6, 30))]


def test_like_for_like_periods():
    assert [p.id for p in like_for_like("2023S1", 3)] == ["2021S1", "2022S1", "2023S1"]
    assert [p.id for p in like_for_like("2023YTD09", 2)] == ["2022YTD09", "2023YTD09"]
    assert [p.id for p in like_for_like("202309", 2)] == ["202209", "202309"]


def test_series_points_carry_kind_and_coverage(store):
    rows = [NewValue("ICT_REVENUE", u, "2021S1", "actual", 10.0) for u in OLD]
    rows += [NewValue("ICT_REVENUE", u, "2021S2", "actual", 99.0) for u in OLD]  # not shown
    rows += [NewValue("ICT_REVENUE", u, "2022S1", "actual", 20.0) for u in OLD[:10]]
    rows += [NewValue("ICT_REVENUE", u, "2023S1", "estimate", 30.0) for u in OLD]
    store.write(rows, source="test", created_by="t")
    got = series(store, "2023S1", ["ICT_REVENUE"], length=4)["ICT_REVENUE"]
    assert [p.period for p in got] == ["2020S1", "2021S1", "2022S1", "2023S1"]
    assert [p.value for p in got] == [None, 630, None, 1890]
    assert [p.kind for p in got] == [None, "actual", "actual", "estimate"]
    assert got[2].withheld == "coverage_below_threshold" and got[2].coverage.text() == "10/63"
    assert got[3].coverage.complete and got[3].to_dict()["coverage"]["expected"] == 63
    hanoi = series(store, "2023S1", ["ICT_REVENUE"], "01@34", length=2)["ICT_REVENUE"]
    assert [p.value for p in hanoi] == [20, 30]
