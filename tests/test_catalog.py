"""The indicator catalog: shipped data loads; broken data gives clear, complete errors."""

import pytest

from chitieu.catalog.indicators import UnitsRule, catalog, load_catalog
from chitieu.catalog.periods import TimeRule
from chitieu.errors import CatalogError, UnknownCode


def test_shipped_catalog_has_the_required_indicators():
    cat = catalog()
    for code in ["ICT_REVENUE", "ICT_BUDGET", "ICT_GDP", "ICT_LABOUR", "TEL_REVENUE",
                 "IT_REVENUE", "POST_REVENUE", "PPD_REVENUE", "PRESS_REVENUE", "PUB_PUBLISHERS",
                 "PUB_TITLES", "PUB_COPIES", "PUB_EPUBS", "PUB_REVENUE",
                 "PUB_COPIES_PER_CAPITA", "POPULATION"]:  # fmt: skip
        assert code in cat
    assert cat.get("ICT_LABOUR").time_rule == TimeRule.LAST
    assert cat.get("ICT_REVENUE").time_rule == TimeRule.SUM
    per_capita = cat.get("PUB_COPIES_PER_CAPITA")
    assert per_capita.units_rule == UnitsRule.RECOMPUTE
    assert per_capita.operands == ("PUB_COPIES", "POPULATION")
    assert cat.measure(cat.get("ICT_REVENUE"), "vi") == "tỷ đồng"
    order = [i.code for i in cat.evaluation_order()]
    assert order.index("POPULATION") < order.index("PUB_COPIES_PER_CAPITA")
    assert all(i.templates.vi and i.templates.en for i in cat)


def test_unknown_code_suggests_close_ones():
    # an unknown code is a usage error (exit 2), not a broken catalog (exit 3)
    with pytest.raises(UnknownCode) as exc:
        catalog().get("ICT_REVENU")
    assert "ICT_REVENUE" in exc.value.hint and exc.value.exit_code == 2
    assert "ICT_REVENUE" in exc.value.text("vi")[1]


def test_broken_catalog_lists_every_problem(tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text(
        """
indicators:
  - code: my_code
    name: {vi: "Chỉ tiêu"}
    measure: nowhere
    value_type: float
    decimals: 9
    units_rule: sum
    time_rule: sometimes
    direction: up
    group: ict
    templates: {vi: "a", en: "b"}
    formula: "ICT_REVENUE / NOPE + __import__('os')"
    colour: red
  - code: ICT_REVENUE
    name: {vi: "x", en: "y"}
""",
        encoding="utf-8",
    )
    with pytest.raises(CatalogError) as exc:
        load_catalog([f])
    msg = exc.value.message
    needles = ["UPPER_SNAKE", "'vi' and 'en'", "value_type", "decimals", "time_rule"]
    needles += ["direction", "unknown field(s) colour", "may use only", "missing field"]
    for needle in needles:
        assert needle in msg, needle


def test_circular_formulas_are_refused(tmp_path):
    f = tmp_path / "c.yaml"
    common = """
    name: {vi: "x", en: "x"}
    measure: phan_tram
    value_type: number
    decimals: 1
    units_rule: recompute
    time_rule: none
    direction: neutral
    group: ict
    templates: {vi: "a", en: "b"}"""
    f.write_text(
        f"indicators:\n  - code: AAA_X{common}\n    formula: BBB_X * 2\n"
        f"  - code: BBB_X{common}\n    formula: AAA_X + 1\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogError, match="circular"):
        load_catalog([f])
