"""A total against its components (issue 17, item 2): the indicator's ``consistency:
components`` decides which the facts use (the total as reported by default, or the sum of the
components), every fact says which (``Fact.consistency["components"]``, ``Fact.source``), and
the report's data-quality note says it too; on both backends."""

from dataclasses import replace
from datetime import date

from chitieu.analyze.facts import facts
from chitieu.catalog.indicators import Catalog, ConsistencyRule, catalog
from chitieu.check.consistency import COMPONENTS_TYPE
from chitieu.report.quality import _used
from chitieu.store.values import NewValue

COMPONENTS = catalog().get("ICT_REVENUE").components


def _preferring_components() -> Catalog:
    base = catalog()
    ind = replace(base.get("ICT_REVENUE"), consistency=ConsistencyRule(components="components"))
    return Catalog({**base.indicators, "ICT_REVENUE": ind}, base.measures, base.groups,
                   base.sources)  # fmt: skip


def _total_and_components(store, total=1000.0, each=180.0, period="2023S1", skip=()):
    """The nation's total and its five components (5 × 180 = 900 by default)."""
    rows = [NewValue("ICT_REVENUE", "VN", period, "actual", total)]
    rows += [NewValue(c, "VN", period, "actual", each) for c in COMPONENTS if c not in skip]
    store.write(rows, source="test", created_by="t")


def _fact(store, period="2023S1", cat=None, indicators=("ICT_REVENUE",)):
    return facts(store, period, indicators=indicators, cat=cat).get("ICT_REVENUE", "VN")


def test_the_total_by_default_and_the_fact_says_so(store):
    _total_and_components(store)
    f = _fact(store)
    assert f.value == 1000 and f.source == "stored"
    found = f.consistency["components"]["value"]
    assert (found["check"], found["stored"], found["parts"], found["gap"], found["used"]) == (
        "components_total", 1000, 900, 100, "total",
    )  # fmt: skip
    assert found["components"] == list(COMPONENTS)
    assert f.to_dict()["consistency"]["components"]["value"]["used"] == "total"  # facts.json
    assert _used(COMPONENTS_TYPE, f) == "total"


def test_the_rule_may_prefer_the_components(store):
    _total_and_components(store)
    _total_and_components(store, total=800.0, each=150.0, period="2022S1")  # components 750
    f = _fact(store, cat=_preferring_components())
    assert f.value == 900 and f.source == "components"
    assert f.previous == 750  # last year's figure by the same choice: like with like
    assert f.change_pct == 20.0
    assert f.consistency["components"]["value"]["used"] == "components"
    assert f.consistency["components"]["previous"]["parts"] == 750
    assert f.to_dict()["source"] == "components"
    assert _used(COMPONENTS_TYPE, f) == "components"
    # the shipped rule (the total) is unchanged beside it
    assert _fact(store).value == 1000


def test_the_same_with_or_without_the_components_asked_for(store):
    _total_and_components(store)
    cat = _preferring_components()
    alone = _fact(store, cat=cat)
    everything = facts(store, "2023S1", cat=cat).get("ICT_REVENUE", "VN")
    assert alone.value == everything.value == 900
    assert alone.consistency == everything.consistency


def test_within_tolerance_or_a_component_missing_is_no_choice(store):
    _total_and_components(store, total=902.0)  # 0,2% < 0,5%
    f = _fact(store, cat=_preferring_components())
    assert f.value == 902 and f.consistency is None and f.source == "stored"
    _total_and_components(store, period="2023Q1", skip=(COMPONENTS[0],))
    f = _fact(store, "2023Q1", cat=_preferring_components())
    assert f.value == 1000 and f.consistency is None


def test_a_provinces_total_against_its_components(store):
    rows = [NewValue("ICT_REVENUE", "01@63", "2023S1", "actual", 100.0)]
    rows += [NewValue(c, "01@63", "2023S1", "actual", 10.0) for c in COMPONENTS]
    store.write(rows, source="test", created_by="t")
    cat = _preferring_components()
    fs = facts(store, "2023S1", indicators=["ICT_REVENUE"], cat=cat)
    hanoi = fs.get("ICT_REVENUE", "01@34")
    assert hanoi.value == 50 and hanoi.source == "components"
    assert hanoi.consistency["components"]["value"]["stored"] == 100


def test_the_reports_data_quality_note_says_which(store, tmp_path):
    import json

    from chitieu.report import build_report

    _total_and_components(store)
    out = build_report(store, "2023S1", out_dir=tmp_path, report_date=date(2023, 7, 5))
    md = out["md"].read_text(encoding="utf-8")
    assert (
        "Lưu ý về số liệu: doanh thu toàn ngành TT&TT 6 tháng đầu năm 2023 đã báo cáo là "
        "1.000, các lĩnh vực thành phần cộng lại là 900, chênh lệch +100 (+11,11%); báo cáo "
        "sử dụng số liệu tổng đã báo cáo." in md
    )
    quality = json.loads(out["facts"].read_text(encoding="utf-8"))["quality"]
    (q,) = [q for q in quality if q["check"] == "components"]
    assert (q["unit"], q["period"], q["used"]) == ("VN", "2023S1", "total")
    en = build_report(store, "2023S1", out_dir=tmp_path / "en", report_date=date(2023, 7, 5),
                      lang="en")  # fmt: skip
    assert "its components add up to 900" in en["md"].read_text(encoding="utf-8")
    assert "This report uses the total as reported." in en["md"].read_text(encoding="utf-8")


def test_the_catalog_names_the_choices():
    from chitieu.catalog.indicators import _numbers

    problems: list[str] = []
    rule = _numbers({"components": "components", "prefer": "parts"}, ConsistencyRule, "x",
                    problems)  # fmt: skip
    assert rule == ConsistencyRule(prefer="parts", components="components") and not problems
    _numbers({"components": "parts"}, ConsistencyRule, "x consistency", problems)
    assert problems == ["x consistency components: 'parts' is not one of total | components"]
    assert ConsistencyRule().components == "total"


# --- the components' sum carries what the components are made of (review of issue 17/22) ---


def _every_province(store, period="2023S1", total=100.0, each=20.0, estimated=()):
    """Every reporter of the period with its total and five components (5 × 20 = 100)."""
    from chitieu.analyze.coverage import reporters_of
    from chitieu.catalog.periods import parse_period

    p = parse_period(period)
    rows = []
    for u in reporters_of(p.start, p.end):
        kind, how = ("estimate", "ratio_of_means") if u in estimated else ("actual", None)
        rows.append(NewValue("ICT_REVENUE", u, period, kind, total, method=how))
        rows += [NewValue(c, u, period, "actual", each) for c in COMPONENTS]
    store.write(rows, source="test", created_by="t")


def test_the_nation_is_the_sum_of_its_provinces_as_chosen(store):
    from chitieu.analyze.coverage import reporters_of
    from chitieu.catalog.periods import parse_period

    p = parse_period("2023S1")
    units = reporters_of(p.start, p.end)
    _every_province(store, total=1000.0, each=200.0)
    # one province's total 5% below its components: the nation's summed total is only 0,08%
    # below its summed components (within the tolerance: no choice of its own)
    store.write([NewValue("ICT_REVENUE", units[0], "2023S1", "actual", 950.0)],
                source="test", created_by="t")  # fmt: skip
    fs = facts(store, "2023S1", "as_reported", cat=_preferring_components())
    nation = fs.get("ICT_REVENUE", "VN")
    provinces = [f for f in fs.of_indicator("ICT_REVENUE") if f.unit != "VN"]
    assert fs.get("ICT_REVENUE", units[0]).value == 1000  # its components' sum
    assert nation.value == sum(f.value for f in provinces) == 1000 * len(units)
    assert nation.coverage.complete


def test_a_components_hypothesis_marks_the_total_and_its_sentence(store):
    from chitieu.analyze.whatif import Hypothesis, facts_with
    from chitieu.report.whatif import what_if

    _every_province(store)
    hs = [Hypothesis("TEL_REVENUE", "01@63", 70.0)]  # Hà Nội's components: 150, its total 100
    cat = _preferring_components()
    after = facts_with(store, "2023S1", hs, cat=cat)
    hanoi, nation = after.get("ICT_REVENUE", "01@34"), after.get("ICT_REVENUE", "VN")
    assert hanoi.value == 150 and hanoi.source == "components"
    assert hanoi.coverage.hyp == {"01@63"} and hanoi.extra["hypothetical"] == ["01@63"]
    assert nation.value == 62 * 100 + 150 and nation.coverage.hyp == {"01@63"}
    assert nation.extra["hypothetical"] == ["01@63"]
    w = what_if(store, "2023S1", hs, cat=cat)
    assert "ICT_REVENUE" in w.changed()
    (s,) = [s for s in w.sentences if s.indicator == "ICT_REVENUE"]
    assert s.after.startswith("[Giả định] ") and not s.before.startswith("[Giả định]")


def test_a_components_hypothesis_leaves_a_total_as_reported_unmarked(store):
    from chitieu.analyze.whatif import Hypothesis, facts_with

    # Hà Nội's total is the ministry's estimate: its coverage names it as estimated, yet the
    # hypothesis on a component does not feed it under the shipped rule (the total)
    _every_province(store, estimated=("01@63",))
    hs = [Hypothesis("TEL_REVENUE", "01@63", 70.0)]
    after = facts_with(store, "2023S1", hs)
    for unit in ("01@34", "VN"):
        f = after.get("ICT_REVENUE", unit)
        assert f.value == (100 if unit != "VN" else 6300), unit
        assert not f.coverage.hyp and "hypothetical" not in f.extra
    assert after.get("TEL_REVENUE", "VN").coverage.hyp == {"01@63"}
