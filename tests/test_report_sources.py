"""Honest sources (issue 17, item 9): where Viet Nam's benchmark figures come from, absurd
shares of a leader's level, the annex only where the scope calls for it, illustrative
figures said to be so."""

import json
from datetime import date

import pytest

from chitieu.benchmark.prose import gap_contexts
from chitieu.report import build_report
from chitieu.store.values import Store

DAY = date(2023, 6, 30)


@pytest.fixture(scope="module")
def national(demo_sqlite, tmp_path_factory):
    out = build_report(
        Store(demo_sqlite), "2023S1", out_dir=tmp_path_factory.mktemp("n"), report_date=DAY
    )
    return out["md"].read_text(encoding="utf-8"), json.loads(out["facts"].read_text("utf-8"))


def test_viet_nams_figures_are_said_to_come_from_the_store(national):
    md, _ = national
    assert "Số liệu Việt Nam lấy từ cơ sở dữ liệu, mỗi số liệu kèm nguồn công bố" in md
    assert "Đại Đoàn Kết" in md.split("Nguồn số liệu các nước")[1]
    assert "lấy từ cơ sở dữ liệu của Bộ" not in md


def test_a_share_of_a_leaders_level_that_reads_absurdly_is_not_printed(national):
    md, _ = national
    assert "0,04%" not in md
    assert "gấp hơn 100 lần Việt Nam, nhiều khả năng do khái niệm thống kê khác nhau" in md
    assert "bằng 93,5% mức của Thái Lan" in md  # a share that reads sensibly stays


def test_the_ratio_rule_says_a_multiple_between_the_two_thresholds(demo_sqlite):
    from chitieu.benchmark.run import run_benchmark

    result = run_benchmark(Store(demo_sqlite), 2022)
    fw = result.fw
    publishers = next(i for i in fw.indicators if i.code == "publishers_pm")
    vn = result.country("VNM").values[publishers.code]
    vn.value = vn.value * 30  # now ~1,1% of the leader's level: said as "gấp … lần"
    keys = {ctx["name"]: (key, ctx) for key, ctx in gap_contexts(result, "vi")}
    key, ctx = keys[publishers.name("vi")]
    assert key == "ratio_times" and ctx["times"] == "89"


def test_illustrative_figures_are_named(national):
    md, facts = national
    assert md.count("số liệu minh họa, không phải số liệu chính thức") == 1
    note = next(line for line in md.splitlines() if "minh họa" in line)
    assert "doanh thu lĩnh vực viễn thông" in note  # the synthetic sub-sector split
    assert "số liệu theo tỉnh, thành phố của doanh thu toàn ngành TT&TT" in note
    assert "ICT_REVENUE" not in facts["illustrative"]["nation"]  # the document's own figure
    assert "TEL_REVENUE" in facts["illustrative"]["nation"]


def test_the_benchmark_annex_only_where_asked(demo_sqlite, tmp_path):
    store = Store(demo_sqlite)
    own = build_report(store, "2023S1", unit="An Giang", out_dir=tmp_path / "a", report_date=DAY)
    assert "SO SÁNH QUỐC TẾ" not in own["md"].read_text(encoding="utf-8")
    asked = build_report(
        store, "2023S1", unit="An Giang", out_dir=tmp_path / "b", report_date=DAY, benchmark=True
    )
    assert "SO SÁNH QUỐC TẾ" in asked["md"].read_text(encoding="utf-8")
    left_out = build_report(store, "2023S1", out_dir=tmp_path / "c", report_date=DAY,
                            benchmark=False)  # fmt: skip
    assert "SO SÁNH QUỐC TẾ" not in left_out["md"].read_text(encoding="utf-8")


def test_an_empty_store_says_viet_nams_figures_are_the_shipped_press_figures(tmp_path):
    from chitieu import open_store

    store = open_store(f"sqlite:///{tmp_path / 'empty.db'}")
    out = build_report(store, "2023S1", out_dir=tmp_path / "o", report_date=DAY)
    md = out["md"].read_text(encoding="utf-8")
    assert "Cơ sở dữ liệu chưa có số liệu Việt Nam; số liệu Việt Nam là số liệu báo chí" in md
    assert "minh họa" not in md
