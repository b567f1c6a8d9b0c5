"""Revisions: vintages, releases, a triangle on a small case, the note; the demo's late province."""

from datetime import datetime

import pytest

from chitieu.analyze.facts import facts
from chitieu.analyze.revisions import revision_note, revisions, triangle
from chitieu.demo.late import ESTIMATED, LATE_UNIT
from chitieu.fmt import format_number, format_pct
from chitieu.store.values import NewValue, Store

SEED = {"ICT_REVENUE": 1614206, "ICT_BUDGET": 45405, "ICT_GDP": 389792, "ICT_LABOUR": 1512144}


def test_triangle_small_case(store):
    def w(period, value, day, kind="estimate"):
        store.write([NewValue("ICT_REVENUE", "VN", period, kind, value)], source="t",
                    created_by="t", at=datetime(2023, 1, day))  # fmt: skip

    w("2022S1", 100, 1)
    w("2022S2", 200, 2)
    w("2022S1", 110, 3, "actual")  # S1 revised up by 10
    w("2022S2", 190, 4, "actual")  # S2 revised down by 10... then
    w("2022S2", 195, 5, "actual")  # ... up again: −5 overall
    tri = triangle(store, "ICT_REVENUE", "VN", ["2022S1", "2022S2"])
    assert [d.day for d in tri.releases] == [1, 2, 3, 4, 5]
    assert tri.rows == {
        "2022S1": [100, 100, 110, 110, 110],
        "2022S2": [None, 200, 200, 190, 195],
    }
    assert tri.revisions == {"2022S1": 10, "2022S2": -5}
    assert tri.mean_revision == 2.5 and tri.mean_abs_revision == 7.5
    assert tri.relative_mar == pytest.approx(100 * 7.5 / ((110 + 195) / 2))
    rv = revisions(store, "ICT_REVENUE", "VN", "2022S2")
    assert [(o.kind, o.value) for o in rv.vintages] == [
        ("estimate", 200), ("actual", 190), ("actual", 195)]  # fmt: skip
    assert revision_note(store, "ICT_REVENUE", "VN", "2022S2") == (
        "điều chỉnh từ 190 lên 195 tỷ đồng (+5; +2,63%)"
    )
    en = revision_note(store, "ICT_REVENUE", "VN", "2022S2", "en", as_of=datetime(2023, 1, 4))
    assert en == "revised down from 200 to 190 billion VND (\u221210; \u22125%)"
    # each release's revision against the previous one and against the first
    got = [(r.value, r.vs_previous, r.vs_previous_pct, r.vs_first, r.vs_first_pct)
           for r in rv.releases]  # fmt: skip
    assert got == [(200, None, None, None, None), (190, -10, -5.0, -10, -5.0),
                   (195, 5, 2.631579, -5, -2.5)]  # fmt: skip
    assert tri.first_release == {"2022S1": 100, "2022S2": 200}
    row = tri.to_dict()["rows"][1]
    assert (row["since_first_release"], row["since_first_release_pct"]) == (-5, -2.5)
    assert revision_note(store, "ICT_REVENUE", "VN", "2022S2", as_of=datetime(2023, 1, 2)) is None


def national(store, as_of):
    got = facts(store, "2023S1", as_of=as_of, indicators=list(SEED))
    return {f.indicator: f for f in got if f.unit == "VN"}


def test_demo_late_province_estimated_then_replaced(demo_sqlite):
    store = Store(demo_sqlite)
    before = national(store, datetime(2023, 6, 26))
    after = national(store, datetime(2023, 6, 30))
    now = national(store, None)
    for code, seed in SEED.items():
        assert after[code].value == now[code].value == seed
        assert before[code].value != seed and before[code].kind == "estimate"
    assert (now["ICT_REVENUE"].change_pct, now["ICT_REVENUE"].plan_pct) == (-8.66, 39.6)
    assert before["ICT_REVENUE"].change_pct != -8.66
    hist = store.history("ICT_REVENUE", LATE_UNIT, "2023S1")
    assert [o.method for o in hist] == ["ratio_of_means", None]
    assert hist[0].created_at == ESTIMATED and hist[0].inputs["responders"] == 62
    # the ministry's estimate is exactly what the national total as of 25 June used
    assert before["ICT_REVENUE"].value - now["ICT_REVENUE"].value == hist[0].value - hist[1].value
    old = before["ICT_REVENUE"].value
    diff = old - now["ICT_REVENUE"].value
    n, pct = format_number(old), format_pct(100 * diff / old)
    assert revision_note(store, "ICT_REVENUE", "VN", "2023S1") == (
        f"điều chỉnh từ {n} xuống 1.614.206 tỷ đồng (\u2212{format_number(diff)}; \u2212{pct}%)"
    )
    rel = revisions(store, "ICT_REVENUE", "VN", "2023S1").releases
    assert [r.units for r in rel] == [62, 63, 63] and rel[-1].value == SEED["ICT_REVENUE"]
