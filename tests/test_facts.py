"""Review analytics: the demo's H1/2023 figures, roll-ups, the 63→34 crosswalk, shares, ranks."""

from datetime import date

import pytest

from chitieu.analyze.facts import Boundaries, facts, round_half_up
from chitieu.catalog.units import registry
from chitieu.demo.build import ANCHORS, split_exact
from chitieu.store.values import NewValue, Store

DOC = {  # the source document: change vs same period, % of plan
    "ICT_REVENUE": (1614206, -8.66, 39.6),
    "ICT_BUDGET": (45405, -8.8, 43.66),
    "ICT_GDP": (389792, -7.2, 41.24),
    "ICT_LABOUR": (1512144, 1.96, 99.17),
}


@pytest.fixture(scope="module")
def demo_facts(demo_sqlite):
    return list(facts(Store(demo_sqlite), "2023S1"))


def test_demo_reproduces_the_source_document(demo_facts):
    national = {f.indicator: f for f in demo_facts if f.unit == "VN"}
    for code, (value, change, plan) in DOC.items():
        f = national[code]
        assert (f.value, f.change_pct, f.plan_pct, f.kind) == (value, change, plan, "estimate")
        assert f.previous == ANCHORS[code].h1_2022 and f.plan == ANCHORS[code].plan_2023


def test_provinces_sum_exactly_to_the_nation(demo_facts):
    for code in DOC:
        provinces = [f for f in demo_facts if f.indicator == code and f.unit != "VN"]
        assert len(provinces) == 34  # shown on today's boundaries by default
        assert sum(f.value for f in provinces) == DOC[code][0]
        assert sorted(f.rank for f in provinces) == list(range(1, 35))
        assert sum(f.share_pct for f in provinces) == pytest.approx(100, abs=0.2)


def test_as_reported_view_uses_the_63_provinces(demo_sqlite):
    got = facts(Store(demo_sqlite), "2023S1", Boundaries.AS_REPORTED, indicators=["ICT_REVENUE"])
    provinces = [f for f in got if f.unit != "VN"]
    assert len(provinces) == 63 and all(f.unit.endswith("@63") for f in provinces)
    assert sum(f.value for f in provinces) == 1614206


def test_year_2025_straddles_the_merger(demo_sqlite):
    """2025 = S1 on 63 provinces + S2 on 34, compared with 2024 summed through the crosswalk."""
    store = Store(demo_sqlite)
    got = facts(store, "2025", indicators=["ICT_REVENUE"])
    nation = next(f for f in got if f.unit == "VN")
    provinces = [f for f in got if f.unit != "VN"]
    assert len(provinces) == 34 and sum(f.value for f in provinces) == nation.value
    assert all(f.previous is not None and f.change_pct is not None for f in provinces)
    s1 = {o.unit: o.value for o in store.current(["2025S1"], indicators=["ICT_REVENUE"])}
    s2 = {o.unit: o.value for o in store.current(["2025S2"], indicators=["ICT_REVENUE"])}
    tay_ninh = next(f for f in provinces if f.unit == "80@34")
    # new Tây Ninh (80@34) = old Tây Ninh (72) + Long An (80@63) in S1, itself in S2
    assert tay_ninh.value == s1["72@63"] + s1["80@63"] + s2["80@34"]


def test_stock_and_ratio_rules(store):
    rows = [
        NewValue("ICT_LABOUR", "VN", f"2023{m:02d}", "actual", 1000.0 + m) for m in range(1, 13)
    ]
    rows += [NewValue("ICT_REVENUE", "VN", f"2023{m:02d}", "actual", 10.0) for m in range(1, 13)]
    # every old province reports (a nation summed from a few is withheld: test_coverage.py)
    others = [u.id for u in registry().provinces(date(2023, 12, 31))]
    copies = {u: 1.0 for u in others} | {"01@63": 300.0, "79@63": 500.0}
    people = {u: 1.0 for u in others} | {"01@63": 100.0, "79@63": 300.0}
    rows += [NewValue("PUB_COPIES", u, "2023", "actual", c) for u, c in copies.items()]
    rows += [NewValue("POPULATION", u, "2023", "actual", p) for u, p in people.items()]
    store.write(rows, source="test", created_by="t")
    got = {(f.indicator, f.unit): f for f in facts(store, "2023", Boundaries.AS_REPORTED)}
    assert got[("ICT_LABOUR", "VN")].value == 1012  # December's stock, not a sum
    assert got[("ICT_REVENUE", "VN")].value == 120  # a flow sums its months
    per_capita = got[("PUB_COPIES_PER_CAPITA", "VN")]
    # (300+500+61)/(100+300+61), not the mean of the provinces' ratios
    assert per_capita.value == pytest.approx(861 / 461) and per_capita.coverage.complete
    assert got[("PUB_COPIES_PER_CAPITA", "01@63")].value == 3.0
    assert got[("PUB_COPIES_PER_CAPITA", "01@63")].share_pct is None  # ratios have no share


def test_ratio_not_summed_across_a_merger(store):
    # two old provinces merged into one new one: counts add, ratios are recomputed
    rows = [
        NewValue("PUB_COPIES", u, "2024", "actual", c)
        for u, c in (("74@63", 10.0), ("79@63", 30.0))
    ]
    rows += [
        NewValue("POPULATION", u, "2024", "actual", p) for u, p in (("74@63", 5.0), ("79@63", 5.0))
    ]
    store.write(rows, source="test", created_by="t")
    got = {(f.indicator, f.unit): f for f in facts(store, "2024")}
    assert got[("PUB_COPIES", "79@34")].value == 40
    assert got[("PUB_COPIES_PER_CAPITA", "79@34")].value == 4.0


def test_rounding_is_half_up():
    assert round_half_up(0.125) == 0.13 and round_half_up(-8.665) == -8.67
    assert round_half_up(2.675) == 2.68  # a float just below x.xx5 still rounds as written


def test_split_exact():
    parts = split_exact(1614206, [1.0, 2.0, 3.3, 0.7])
    assert sum(parts) == 1614206 and all(p > 0 for p in parts)


def test_a_read_with_another_catalog_is_never_served_this_ones_facts(store):
    """The facts kept per process are keyed on the catalog as a whole (its fingerprint): two
    catalogs that differ only in a formula, or in an indicator's decimals, get their own."""
    import dataclasses

    from chitieu.analyze.facts import fingerprint
    from chitieu.catalog.indicators import catalog

    store.write([NewValue("PUB_EPUBS", "VN", "2023", "actual", 30.0),
                 NewValue("PUB_TITLES", "VN", "2023", "actual", 100.0)],
                source="test", created_by="t")  # fmt: skip
    base = catalog()
    share = base.get("PUB_EPUB_SHARE")
    per_mille = dataclasses.replace(
        base, indicators={**base.indicators, "PUB_EPUB_SHARE": dataclasses.replace(
            share, formula="PUB_EPUBS / PUB_TITLES * 1000")})  # fmt: skip
    assert facts(store, "2023", cat=base).get("PUB_EPUB_SHARE", "VN").value == 30
    assert facts(store, "2023", cat=per_mille).get("PUB_EPUB_SHARE", "VN").value == 300
    assert facts(store, "2023", cat=base).get("PUB_EPUB_SHARE", "VN").value == 30
    three = dataclasses.replace(
        base, indicators={**base.indicators, "PUB_EPUB_SHARE": dataclasses.replace(
            share, decimals=share.decimals + 1)})  # fmt: skip
    assert len({fingerprint(base), fingerprint(per_mille), fingerprint(three)}) == 3
    assert fingerprint(base) == fingerprint(dataclasses.replace(base))  # equal catalogs: equal
