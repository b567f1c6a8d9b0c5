"""Validation rules: every operator and missing-value strategy, scopes, user files, writes."""

from datetime import datetime

import pytest

from chitieu.check.findings import Severity
from chitieu.check.rules import Missing, Operator, load_rules, rules
from chitieu.check.runner import evaluate_rules, validate_period, validate_values
from chitieu.errors import CatalogError
from chitieu.store.values import NewValue


def ruleset(tmp_path, body, name="mine.yaml"):
    f = tmp_path / name
    f.write_text(body, encoding="utf-8")
    return load_rules([f])


def one_rule(tmp_path, left, op, right, **extra):
    lines = "".join(f"    {k}: {v}\n" for k, v in extra.items())
    rs = ruleset(
        tmp_path,
        f"""rules:
  - id: t
    name: {{vi: "Thử", en: "Test"}}
    left: "{left}"
    operator: {op}
    right: "{right}"
{lines}""",
    )
    return rs


def vals(unit="VN", period="2023", kind="actual", **by_code):
    return {(code, unit, period, kind): v for code, v in by_code.items()}


def fails(rs, values):
    return [f for f in evaluate_rules(values, rs) if f.rule == "t"]


@pytest.mark.parametrize(
    ("op", "a", "b", "ok"),
    [
        ("equal_to", 5, 5, True), ("equal_to", 5, 6, False),
        ("not_equal_to", 5, 6, True), ("not_equal_to", 5, 5, False),
        ("greater_than", 6, 5, True), ("greater_than", 5, 5, False),
        ("greater_than_or_equal_to", 5, 5, True), ("greater_than_or_equal_to", 4, 5, False),
        ("less_than", 4, 5, True), ("less_than", 5, 5, False),
        ("less_than_or_equal_to", 5, 5, True), ("less_than_or_equal_to", 6, 5, False),
    ],
)  # fmt: skip
def test_every_comparison_operator(tmp_path, op, a, b, ok):
    rs = one_rule(tmp_path, "ICT_BUDGET", op, "ICT_GDP")
    got = fails(rs, vals(ICT_BUDGET=a, ICT_GDP=b))
    assert (not got) == ok
    if got:
        assert got[0].imbalance == a - b and got[0].severity == Severity.ERROR
        assert got[0].unit == "VN" and got[0].period == "2023" and got[0].indicator == "ICT_BUDGET"


@pytest.mark.parametrize(
    ("op", "left", "right", "ok"),
    [
        ("compulsory_pair", True, True, True), ("compulsory_pair", False, False, True),
        ("compulsory_pair", True, False, False), ("compulsory_pair", False, True, False),
        ("exclusive_pair", True, False, True), ("exclusive_pair", False, True, True),
        ("exclusive_pair", True, True, False),
    ],
)  # fmt: skip
def test_pair_operators(tmp_path, op, left, right, ok):
    rs = one_rule(tmp_path, "PUB_TITLES", op, "PUB_COPIES")
    v = vals(POPULATION=1)  # the group exists even when both sides are absent
    if left:
        v.update(vals(PUB_TITLES=10))
    if right:
        v.update(vals(PUB_COPIES=10))
    got = fails(rs, v)
    assert (not got) == ok
    if got and op == "compulsory_pair":
        assert "is reported but" in got[0].message("en")


@pytest.mark.parametrize(
    ("strategy", "have", "expect"),
    [
        # right side = TEL_REVENUE + IT_REVENUE; left ICT_REVENUE = 10
        ("SKIP_IF_ANY_VALUE_MISSING", {"TEL_REVENUE": 3}, "skip"),
        ("SKIP_IF_ANY_VALUE_MISSING", {"TEL_REVENUE": 3, "IT_REVENUE": 7}, "pass"),
        ("SKIP_IF_ALL_VALUES_MISSING", {"TEL_REVENUE": 3}, "fail"),  # 10 ≠ 3 + 0
        ("SKIP_IF_ALL_VALUES_MISSING", {}, "skip"),
        ("NEVER_SKIP", {}, "fail"),  # 10 ≠ 0
        ("NEVER_SKIP", {"TEL_REVENUE": 10}, "pass"),  # 10 = 10 + 0
    ],
)
def test_missing_value_strategies(tmp_path, strategy, have, expect):
    rs = one_rule(
        tmp_path, "ICT_REVENUE", "equal_to", "TEL_REVENUE + IT_REVENUE",
        missing_value_strategy=strategy,
    )  # fmt: skip
    assert rs.get("t").right.missing == Missing(strategy)
    got = fails(rs, vals(ICT_REVENUE=10, **have))
    assert ("fail" if got else "pass_or_skip") == ("fail" if expect == "fail" else "pass_or_skip")


def test_missing_value_strategy_per_side(tmp_path):
    rs = one_rule(
        tmp_path, "ICT_REVENUE", "equal_to", "TEL_REVENUE + IT_REVENUE",
        missing_value_strategy="{left: SKIP_IF_ANY_VALUE_MISSING, right: NEVER_SKIP}",
    )  # fmt: skip
    assert rs.get("t").left.missing == Missing.SKIP_IF_ANY_VALUE_MISSING
    assert fails(rs, vals(ICT_REVENUE=10, TEL_REVENUE=4))  # 10 ≠ 4 + 0
    assert not fails(rs, vals(TEL_REVENUE=4))  # left missing: skipped


def test_balance_rule_tolerance_and_imbalance():
    rs = rules()
    parts = {"TEL_REVENUE": 190, "IT_REVENUE": 780, "POST_REVENUE": 16, "PPD_REVENUE": 9,
             "PRESS_REVENUE": 5}  # fmt: skip
    assert not evaluate_rules(vals(ICT_REVENUE=1004, **parts), rs)  # 0,4% off: within 0,5%
    bad = evaluate_rules(vals(ICT_REVENUE=1010, **parts), rs)
    assert [f.rule for f in bad] == ["ict-revenue-balance"] and bad[0].imbalance == 10
    assert "0,5%" in bad[0].message("vi") and "+10" in bad[0].message("vi")
    assert bad[0].hint("en") and bad[0].to_dict()["imbalance"] == 10


def test_scope_period_types_levels_kinds(tmp_path):
    rs = one_rule(
        tmp_path, "ICT_BUDGET", "less_than", "0",
        period_types="[year]", levels="[province]", kinds="[plan]", importance="warning",
    )  # fmt: skip
    rule = rs.get("t")
    assert rule.importance == Severity.WARNING
    assert fails(rs, vals("01@63", "2023", "plan", ICT_BUDGET=1))
    assert not fails(rs, vals("01@63", "2023", "actual", ICT_BUDGET=1))  # kind
    assert not fails(rs, vals("VN", "2023", "plan", ICT_BUDGET=1))  # level
    assert not fails(rs, vals("01@63", "2023S1", "plan", ICT_BUDGET=1))  # period type


def test_derived_indicator_and_components_expand():
    rs = rules()
    share = rs.get("pub-epub-share-max")
    assert share.left.operands == ("PUB_EPUBS", "PUB_TITLES")
    got = evaluate_rules(vals(PUB_EPUBS=20, PUB_TITLES=10, PUB_COPIES=100), rs)
    assert [f.rule for f in got] == ["pub-epub-share-max"] and got[0].value == 200
    assert rs.get("ict-revenue-balance").right.operands[0] == "TEL_REVENUE"
    assert Operator("compulsory_pair").is_pair


def test_broken_rule_file_lists_every_problem(tmp_path):
    with pytest.raises(CatalogError) as exc:
        ruleset(
            tmp_path,
            """rules:
  - id: Bad Id
    name: {vi: "x"}
    left: NOPE + 1
    operator: about
    right: "ICT_REVENUE ** 2"
    importance: fatal
    tolerance: -1
    levels: [district]
  - id: ict-revenue-balance
    name: {vi: a, en: a}
    left: ICT_REVENUE
    operator: equal_to
    right: "1"
""",
        )
    msg = exc.value.message
    for bit in ("Bad Id", "unknown indicator 'NOPE'", "'about'", "forbidden operator", "'fatal'",
                "tolerance", "'district'", "name", "defined twice"):  # fmt: skip
        assert bit in msg, bit


def test_validate_values_combines_stored_values(store):
    parts = [("TEL_REVENUE", 19), ("IT_REVENUE", 78), ("POST_REVENUE", 1.6), ("PPD_REVENUE", 0.9),
             ("PRESS_REVENUE", 0.5)]  # fmt: skip
    store.write(
        [NewValue(c, "VN", "2023", "actual", v) for c, v in parts], source="t", created_by="t"
    )
    ok = validate_values(store, [NewValue("ICT_REVENUE", "VN", "2023", "actual", 100)])
    assert ok.valid, ok.to_json()
    bad = validate_values(store, [NewValue("ICT_REVENUE", "VN", "2023", "actual", 120)])
    assert not bad.valid and bad.findings[0].imbalance == 20
    # an estimate is compared with estimates only
    assert validate_values(store, [NewValue("ICT_REVENUE", "VN", "2023", "estimate", 120)]).valid
    rep = validate_period(store, "2023")
    assert rep.valid and rep.stats["values"] == 5


def test_outliers_on_write_against_history(store):
    hist = [NewValue("ICT_REVENUE", "01@63", f"{y}S{h}", "actual", 100.0 + y - 2019 + h)
            for y in range(2019, 2023) for h in (1, 2)]  # fmt: skip
    store.write(hist, source="t", created_by="t", at=datetime(2023, 1, 1))
    rep = validate_values(store, [NewValue("ICT_REVENUE", "01@63", "2023S1", "actual", 1000)])
    assert rep.valid and rep.warnings == 2
    assert set(rep.counts) == {"outlier-history", "outlier-change"}
    change = next(f for f in rep.findings if f.type == "outlier-change")
    assert change.params["previous_period"] == "2022S1" and change.params["low"] == pytest.approx(
        104 * 0.7
    )
    assert validate_values(store, [NewValue("ICT_REVENUE", "01@63", "2023S1", "actual", 105)]).valid
    assert not validate_values(
        store, [NewValue("ICT_REVENUE", "01@63", "2023S1", "actual", 105)]
    ).findings


def test_the_balance_rule_of_a_total_comes_from_the_catalog():
    """Every indicator with components has its balance rule, made from the catalog with the
    indicator's own ``consistency: tolerance`` (one tolerance for the write-time finding, the
    facts and the report), under the id the findings have always had."""
    from dataclasses import replace

    from chitieu.catalog.indicators import Catalog, ConsistencyRule, catalog

    base = catalog()
    shipped = rules().get("ict-revenue-balance")
    assert shipped.source == "catalog" and shipped.tolerance == base.get(
        "ICT_REVENUE").consistency.tolerance  # fmt: skip
    assert shipped.importance == Severity.ERROR
    assert shipped.right.operands == base.get("ICT_REVENUE").components
    assert "Doanh thu toàn ngành TT&TT" in shipped.name["vi"]
    assert "ICT sector revenue" in shipped.name["en"] and shipped.messages["hint"]["en"]
    loose = replace(base.get("ICT_REVENUE"), consistency=ConsistencyRule(tolerance=0.02))
    cat = Catalog({**base.indicators, "ICT_REVENUE": loose}, base.measures, base.groups,
                  base.sources)  # fmt: skip
    rs = load_rules(cat=cat)
    parts = {"TEL_REVENUE": 190, "IT_REVENUE": 780, "POST_REVENUE": 16, "PPD_REVENUE": 9,
             "PRESS_REVENUE": 5}  # fmt: skip
    assert rs.get("ict-revenue-balance").tolerance == 0.02
    assert not evaluate_rules(vals(ICT_REVENUE=1010, **parts), rs)  # 1% off: within 2%
    assert evaluate_rules(vals(ICT_REVENUE=1010, **parts), rules())  # beyond 0,5%
