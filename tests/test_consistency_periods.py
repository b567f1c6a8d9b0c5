"""A stored aggregate period against its stored parts (issue 17, item 2): the indicator's
``consistency: prefer`` decides which the facts use (the stored aggregate by default; the parts
when they tile the period and the rule prefers them), and every fact says which (``source``),
on both backends."""

from dataclasses import replace

from chitieu.analyze.cube import CubeRules
from chitieu.analyze.facts import facts
from chitieu.catalog.indicators import Catalog, ConsistencyRule, catalog
from chitieu.check.runner import validate_period
from chitieu.store.values import NewValue


def _preferring_parts(*codes: str) -> Catalog:
    base = catalog()
    inds = dict(base.indicators)
    for code in codes:
        inds[code] = replace(base.get(code), consistency=ConsistencyRule(prefer="parts"))
    return Catalog(inds, base.measures, base.groups, base.sources)


def _months_and_ytd(store, months=range(1, 10), ytd=100.0):
    rows = [NewValue("ICT_REVENUE", "VN", f"2023{m:02d}", "actual", 10.0) for m in months]
    rows.append(NewValue("ICT_REVENUE", "VN", "2023YTD09", "actual", ytd))  # months make 90
    store.write(rows, source="test", created_by="t")


def _fact(store, period, code="ICT_REVENUE", cat=None):
    return facts(store, period, indicators=[code], cat=cat).get(code, "VN")


def test_the_stored_aggregate_by_default_and_the_fact_says_so(store):
    _months_and_ytd(store)
    (f,) = [
        f
        for f in validate_period(store, "2023YTD09", outliers=False).findings
        if f.type == "consistency-period-parts"
    ]
    assert (f.unit, f.period, f.value, f.imbalance) == ("VN", "2023YTD09", 100, 10)
    ytd = _fact(store, "2023YTD09")
    assert ytd.value == 100 and ytd.source == "stored"
    assert ytd.to_dict()["source"] == "stored"  # facts.json and summary --json carry it
    q1 = _fact(store, "2023Q1")  # nothing stored for the quarter: its months
    assert q1.value == 30 and q1.source == "parts"
    assert _fact(store, "202303").source == "stored"


def test_the_rule_may_prefer_the_parts_of_a_period(store):
    _months_and_ytd(store)
    cat = _preferring_parts("ICT_REVENUE")
    ytd = _fact(store, "2023YTD09", cat=cat)
    assert ytd.value == 90 and ytd.source == "parts"
    assert ytd.to_dict()["source"] == "parts"
    # the shipped rule (stored) is unchanged beside it
    assert _fact(store, "2023YTD09").value == 100


def test_incomplete_parts_leave_the_stored_aggregate(store):
    _months_and_ytd(store, months=range(1, 9))  # September missing: the months cannot tile it
    ytd = _fact(store, "2023YTD09", cat=_preferring_parts("ICT_REVENUE"))
    assert ytd.value == 100 and ytd.source == "stored"


def test_a_stock_preferring_its_parts_takes_its_last_month(store):
    rows = [NewValue("ICT_LABOUR", "VN", f"2023{m:02d}", "actual", 1000.0 + m) for m in range(1, 7)]
    rows.append(NewValue("ICT_LABOUR", "VN", "2023S1", "actual", 1100.0))  # June says 1006
    store.write(rows, source="test", created_by="t")
    assert _fact(store, "2023S1", "ICT_LABOUR").value == 1100
    got = _fact(store, "2023S1", "ICT_LABOUR", cat=_preferring_parts("ICT_LABOUR"))
    assert got.value == 1006 and got.source == "parts"


def test_a_province_summed_nation_says_parts_when_a_province_used_parts(store):
    rows = [NewValue("ICT_REVENUE", "01@34", f"2026{m:02d}", "actual", 10.0) for m in range(1, 7)]
    rows.append(NewValue("ICT_REVENUE", "01@34", "2026S1", "actual", 70.0))
    rows.append(NewValue("ICT_REVENUE", "79@34", "2026S1", "actual", 50.0))
    store.write(rows, source="test", created_by="t")
    fs = facts(store, "2026S1", indicators=["ICT_REVENUE"])
    assert fs.get("ICT_REVENUE", "01@34").source == "stored"
    # (2 of 34 provinces: the nation's value is withheld, what it is made of still said)
    assert fs.get("ICT_REVENUE", "VN").source == "stored"
    fs = facts(store, "2026S1", indicators=["ICT_REVENUE"], cat=_preferring_parts("ICT_REVENUE"))
    assert fs.get("ICT_REVENUE", "01@34").value == 60
    assert fs.get("ICT_REVENUE", "01@34").source == "parts"
    assert fs.get("ICT_REVENUE", "79@34").source == "stored"  # no months to tile it
    assert fs.get("ICT_REVENUE", "VN").source == "parts"


def test_the_rule_is_part_of_the_cubes_generation():
    """A catalog preferring parts computes its own cube slabs; the shipped one keeps the
    generation it had (stored slabs are not computed again for nothing)."""
    shipped = CubeRules(catalog()).generation
    assert CubeRules(_preferring_parts("ICT_REVENUE")).generation != shipped
    assert CubeRules(catalog()).generation == shipped


def test_the_reports_data_quality_note_names_the_figure_it_uses(store, tmp_path):
    import json
    from datetime import date

    from chitieu.check.consistency import PARTS_TYPE
    from chitieu.report import build_report
    from chitieu.report.quality import _used

    rows = [NewValue("ICT_REVENUE", "VN", f"2023{m:02d}", "actual", 10.0) for m in range(1, 7)]
    rows.append(NewValue("ICT_REVENUE", "VN", "2023S1", "actual", 70.0))  # the months make 60
    store.write(rows, source="test", created_by="t")
    out = build_report(store, "2023S1", out_dir=tmp_path, report_date=date(2023, 7, 5))
    md = out["md"].read_text(encoding="utf-8")
    assert (
        "Lưu ý về số liệu: doanh thu toàn ngành TT&TT 6 tháng đầu năm 2023 đã báo cáo là 70, "
        "các kỳ thành phần (T1/2023, T2/2023, T3/2023, T4/2023, T5/2023, T6/2023) cộng lại "
        "là 60, chênh lệch +10 (+16,67%); báo cáo sử dụng số liệu của kỳ đã báo cáo." in md
    )
    (q,) = json.loads(out["facts"].read_text(encoding="utf-8"))["quality"]
    assert (q["check"], q["unit"], q["period"], q["used"]) == ("parts", "VN", "2023S1", "stored")
    # a rule preferring the parts: the fact says so, and so would the note
    fact = _fact(store, "2023S1", cat=_preferring_parts("ICT_REVENUE"))
    assert fact.value == 60 and _used(PARTS_TYPE, fact) == "parts"


def test_the_note_on_the_nation_against_its_provinces(store, tmp_path):
    from datetime import date

    from chitieu.report import build_report
    from test_consistency import _nation_and_provinces

    _nation_and_provinces(store)  # the nation 7000, its 63 provinces 6300
    out = build_report(store, "2023S1", out_dir=tmp_path, report_date=date(2023, 7, 5))
    md = out["md"].read_text(encoding="utf-8")
    assert (
        "Lưu ý về số liệu: doanh thu toàn ngành TT&TT toàn quốc 6 tháng đầu năm 2023 đã báo cáo "
        "là 7.000, tổng của 63/63 tỉnh, thành phố là 6.300, chênh lệch +700 (+11,11%); báo cáo "
        "sử dụng số liệu toàn quốc đã báo cáo." in md
    )


def test_a_merged_province_takes_the_parts_only_when_every_old_province_has_them(store):
    """Today's An Giang in 2023 = An Giang + Kiên Giang, each with its half stored: the parts
    are taken only when each old province's own months tile its half."""
    ag = [NewValue("ICT_REVENUE", "89@63", f"2023{m:02d}", "actual", 10.0) for m in range(1, 7)]
    kg = [NewValue("ICT_REVENUE", "91@63", f"2023{m:02d}", "actual", 20.0) for m in range(1, 6)]
    halves = [
        NewValue("ICT_REVENUE", "89@63", "2023S1", "actual", 70.0),  # its months make 60
        NewValue("ICT_REVENUE", "91@63", "2023S1", "actual", 130.0),  # five months make 100
    ]
    store.write(ag + kg + halves, source="test", created_by="t")
    cat = _preferring_parts("ICT_REVENUE")
    got = facts(store, "2023S1", indicators=["ICT_REVENUE"], cat=cat).get("ICT_REVENUE", "91@34")
    assert got.value == 200 and got.source == "stored"  # Kiên Giang's June is missing
    store.write([NewValue("ICT_REVENUE", "91@63", "202306", "actual", 20.0)], source="test",
                created_by="t")  # fmt: skip
    got = facts(store, "2023S1", indicators=["ICT_REVENUE"], cat=cat).get("ICT_REVENUE", "91@34")
    assert got.value == 180 and got.source == "parts" and got.coverage.complete
    default = facts(store, "2023S1", indicators=["ICT_REVENUE"]).get("ICT_REVENUE", "91@34")
    assert default.value == 200 and default.source == "stored"
