"""Consistency rules, shipped and on by default (issue 17, item 2): the nation against its
provinces, a period against its parts, components against their total; findings with their
place and imbalance, on a write and over what is stored; and which figure the facts use."""

from dataclasses import replace
from datetime import date

from chitieu.analyze.facts import facts
from chitieu.catalog.indicators import Catalog, ConsistencyRule, catalog
from chitieu.catalog.units import registry
from chitieu.check.runner import validate_period, validate_values
from chitieu.store.values import NewValue

OLD = [u.id for u in registry().provinces(date(2023, 6, 30))]
NEW = [u.id for u in registry().provinces(date(2026, 6, 30))]


def _types(report):
    return [f for f in report.findings if f.type.startswith("consistency-")]


def _nation_and_provinces(store, nation=7000.0):
    rows = [NewValue("ICT_REVENUE", u, "2023S1", "actual", 100.0) for u in OLD]
    rows.append(NewValue("ICT_REVENUE", "VN", "2023S1", "actual", nation))
    store.write(rows, source="test", created_by="t")


def test_nation_against_its_provinces(store):
    _nation_and_provinces(store)
    (f,) = _types(validate_period(store, "2023S1", outliers=False))
    assert (f.type, f.unit, f.indicator, f.period) == (
        "consistency-nation-provinces", "VN", "ICT_REVENUE", "2023S1",
    )  # fmt: skip
    assert f.value == 7000 and f.imbalance == 700 and f.params["parts"] == 6300
    assert "63/63" in f.message("vi") and "700" in f.message("en")
    # the facts use the nation as reported (the default) and say so
    nation = facts(store, "2023S1", indicators=["ICT_REVENUE"]).get("ICT_REVENUE", "VN")
    assert nation.value == 7000 and nation.coverage.own
    assert nation.consistency["value"]["used"] == "stored"
    assert nation.consistency["value"]["parts"] == 6300


def test_the_rule_may_prefer_the_parts(store):
    _nation_and_provinces(store)
    base = catalog()
    ind = replace(base.get("ICT_REVENUE"), consistency=ConsistencyRule(prefer="parts"))
    cat = Catalog({**base.indicators, "ICT_REVENUE": ind}, base.measures, base.groups,
                  base.sources)  # fmt: skip
    nation = facts(store, "2023S1", indicators=["ICT_REVENUE"], cat=cat).get("ICT_REVENUE", "VN")
    assert nation.value == 6300 and nation.consistency["value"]["used"] == "parts"
    assert nation.coverage.text() == "63/63" and not nation.coverage.own


def test_within_tolerance_is_no_finding(store):
    _nation_and_provinces(store, nation=6320.0)  # 0,3% < 0,5%
    assert not _types(validate_period(store, "2023S1", outliers=False))
    nation = facts(store, "2023S1", indicators=["ICT_REVENUE"]).get("ICT_REVENUE", "VN")
    assert nation.consistency is None


def test_some_provinces_exceed_the_nation(store):
    rows = [NewValue("ICT_REVENUE", u, "2026S1", "actual", 60.0) for u in NEW[:20]]
    rows.append(NewValue("ICT_REVENUE", "VN", "2026S1", "actual", 1000.0))
    store.write(rows, source="test", created_by="t")
    (f,) = _types(validate_period(store, "2026S1", outliers=False))
    assert f.type == "consistency-provinces-exceed-nation" and f.imbalance == -200
    assert f.params["gap_pct"] == -16.67


def test_a_period_against_its_parts_on_a_write(store):
    months = [
        NewValue("ICT_REVENUE", "01@63", f"2023{m:02d}", "actual", 10.0) for m in range(1, 10)
    ]
    store.write(months, source="test", created_by="t")
    new = [
        NewValue("ICT_REVENUE", "01@63", "2023YTD09", "actual", 100.0),  # the months make 90
        NewValue("ICT_REVENUE", "01@63", "2023S1", "actual", 60.0),  # agrees with its months
    ]
    (f,) = _types(validate_values(store, new, outliers=False))
    assert (f.type, f.unit, f.period, f.value, f.imbalance) == (
        "consistency-period-parts", "01@63", "2023YTD09", 100, 10,
    )  # fmt: skip
    assert "2023S1" in f.params["parts_periods"] or "202301" in f.params["parts_periods"]
    assert f.severity == "warning"  # informs; the rule decides which figure the facts use


def test_a_stock_against_its_last_month(store):
    rows = [NewValue("ICT_LABOUR", "VN", f"2023{m:02d}", "actual", 1000.0 + m) for m in range(1, 7)]
    rows.append(NewValue("ICT_LABOUR", "VN", "2023S1", "actual", 1100.0))  # June says 1006
    store.write(rows, source="test", created_by="t")
    (f,) = _types(validate_period(store, "2023S1", outliers=False))
    assert f.params["parts"] == 1006 and f.imbalance == 94


def test_components_against_their_total_ship_on(store):
    rows = [NewValue("ICT_REVENUE", "VN", "2023S1", "actual", 1000.0)]
    rows += [NewValue(c, "VN", "2023S1", "actual", 100.0)
             for c in catalog().get("ICT_REVENUE").components]  # fmt: skip
    store.write(rows, source="test", created_by="t")
    found = [f for f in validate_period(store, "2023S1", outliers=False).findings
             if f.rule == "ict-revenue-balance"]  # fmt: skip
    assert found and found[0].imbalance == 500 and found[0].unit == "VN"


def test_the_demo_is_consistent(demo_sqlite):
    from chitieu import open_store

    report = validate_period(open_store(demo_sqlite), "2023", outliers=False)
    assert not _types(report)
