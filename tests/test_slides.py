"""The conference deck (chitieu slides) of the demo's H1/2023, opened back with python-pptx:
16:9, slides in order, native charts from zero with labels as written, estimates marked,
withheld figures never shown, a user's template."""

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.util import Emu

from chitieu.analyze.coverage import TERRITORY, reason_text
from chitieu.report import make_context
from chitieu.report.facts import report_fact
from chitieu.report.render.pptx import write_pptx
from chitieu.report.slides import deck
from chitieu.report.slides_build import build_slides
from chitieu.store.values import Store

DAY = date(2023, 6, 30)
EXE = shutil.which("chitieu", path=str(Path(sys.executable).parent)) or "chitieu"


def texts(slide) -> list[str]:
    return [p.text for sh in slide.shapes if sh.has_text_frame for p in sh.text_frame.paragraphs]


def charts(prs) -> list:
    return [sh.chart for s in prs.slides for sh in s.shapes if sh.has_chart]


def labels(chart) -> list[list[str]]:
    out = []
    for ser in chart.plots[0].series:
        row = []
        for j in range(len(list(ser.values))):
            dl = ser.points[j].data_label
            row.append(dl.text_frame.text if dl.has_text_frame else "")
        out.append(row)
    return out


@pytest.fixture(scope="module")
def vi_deck(demo_sqlite, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("slides")
    return build_slides(Store(demo_sqlite), "2023S1", out, report_date=DAY)


def test_the_deck_is_16_9_and_runs_title_figures_groups_ranking_tasks_closing(vi_deck):
    assert vi_deck.name == "slides-2023S1-vi.pptx"
    prs = Presentation(str(vi_deck))
    assert (prs.slide_width, prs.slide_height) == (Emu(12192000), Emu(6858000))
    slides = list(prs.slides)
    first, last = texts(slides[0]), texts(slides[-1])
    assert "Kết quả 6 tháng đầu năm 2023" in first
    assert any("Hội nghị sơ kết, tổng kết ngành Thông tin và Truyền thông" in t for t in first)
    assert "Trân trọng cảm ơn!" in last
    titles = [s.shapes.title.text for s in slides]
    assert titles[1] == "Các chỉ tiêu chủ yếu 6 tháng đầu năm 2023"
    for group in ("Toàn ngành Thông tin và Truyền thông", "Viễn thông", "Bưu chính"):
        assert group in titles
    assert any(t.startswith("Xếp hạng tỉnh, thành phố: Doanh thu toàn ngành") for t in titles)
    assert "Nhiệm vụ trọng tâm 6 tháng cuối năm 2023" in titles
    tasks = texts(slides[titles.index("Nhiệm vụ trọng tâm 6 tháng cuối năm 2023")])
    assert "• Tổ chức Giải thưởng sách Quốc gia lần thứ Sáu" in tasks


def test_the_headline_slide_holds_the_four_figures_with_change_and_plan(vi_deck):
    words = texts(list(Presentation(str(vi_deck)).slides)[1])
    for value in ("1.614.206 (ước)", "45.405 (ước)", "389.792 (ước)", "1.512.144 (ước)"):
        assert value in words
    assert "Giảm 8,66% so với cùng kỳ" in words
    assert "Đạt 39,6% kế hoạch năm" in words
    assert "Tăng 1,96% so với cùng kỳ" in words
    assert "tỷ đồng" in words


def test_every_chart_is_native_from_zero_with_labels_as_written(vi_deck):
    found = charts(Presentation(str(vi_deck)))
    assert len(found) >= 6
    for chart in found:
        assert chart.value_axis.minimum_scale == 0
    ranking = next(c for c in found if c.plots[0].categories[0].startswith("1. "))
    assert ranking.category_axis.reverse_order  # the first ranked on top
    cats = list(ranking.plots[0].categories)
    assert cats[0] == "1. TP. Hồ Chí Minh" or "Hồ Chí Minh" in cats[0]
    assert next(iter(ranking.plots[0].series[0].values)) == pytest.approx(383424, abs=1)
    assert labels(ranking)[0][0] == "383.424 (ước)"
    series = next(c for c in found if "1.614.206 (ước)" in labels(c)[0])
    assert list(series.plots[0].series[0].values)[-1] == pytest.approx(1614206, abs=1)
    assert all(lab for lab in labels(series)[0])  # every point labelled
    ict = next(c for c in found if "Doanh thu toàn ngành TT&TT" in c.plots[0].categories)
    same, plan = labels(ict)
    assert same[0] == "91,34 (ước)" and plan[0] == "39,6 (ước)"
    assert next(iter(ict.plots[0].series[1].values)) == pytest.approx(39.6)


def test_english_deck_writes_english_numbers_and_marks(demo_sqlite, tmp_path):
    path = build_slides(Store(demo_sqlite), "2023S1", tmp_path, lang="en", report_date=DAY)
    assert path.name == "slides-2023S1-en.pptx"
    prs = Presentation(str(path))
    words = texts(list(prs.slides)[1])
    assert "1,614,206 (est.)" in words
    assert "Down 8.66% on the same period last year" in words
    assert all(c.value_axis.minimum_scale == 0 for c in charts(prs))


def test_a_province_deck_names_the_province_and_has_no_ranking(demo_sqlite, tmp_path):
    path = build_slides(Store(demo_sqlite), "2023S1", tmp_path, unit="79", report_date=DAY)
    assert path.name == "slides-2023S1-vi.pptx"  # the contract's name, whatever the unit
    prs = Presentation(str(path))
    titles = [s.shapes.title.text for s in prs.slides]
    assert titles[0] == "Kết quả 6 tháng đầu năm 2023 — Thành phố Hồ Chí Minh"
    assert not any(t.startswith("Xếp hạng") for t in titles)
    assert all(c.value_axis.minimum_scale == 0 for c in charts(prs))
    assert "383.424 (ước)" in texts(list(prs.slides)[1])


def test_a_withheld_change_is_never_shown_and_its_reason_is(demo_sqlite, tmp_path):
    ctx = make_context(Store(demo_sqlite), "2023S1", report_date=DAY, benchmark=False)
    rf = ctx.table.get("ICT_REVENUE")
    held = replace(rf.fact, withheld={"change_pct": TERRITORY, "plan_pct": TERRITORY})
    ctx.table.facts[("ICT_REVENUE", "VN")] = report_fact(
        held, ctx.cat.get("ICT_REVENUE"), ctx.cat, ctx.period, "vi"
    )
    d = deck(ctx)
    figures = d.slides[1].figures
    revenue = next(f for f in figures if f.name == "Doanh thu toàn ngành TT&TT")
    assert revenue.value == "1.614.206 (ước)"
    assert not any("8,66" in n or "39,6" in n for n in revenue.notes)
    assert f"Chưa công bố: {reason_text(TERRITORY, 'vi')}" in revenue.notes
    group = next(s for s in d.slides if s.title == "Toàn ngành Thông tin và Truyền thông")
    assert group.chart is not None
    assert "91,34 (ước)" not in group.chart.series[0].labels  # the change is withheld
    assert "39,6 (ước)" not in group.chart.series[1].labels
    path = write_pptx(d, tmp_path / "held.pptx")
    prs = Presentation(str(path))
    assert not any("39,6 (ước)" in lab for c in charts(prs) for row in labels(c) for lab in row)


def test_a_template_lends_its_layouts_and_its_own_slides_are_left_out(demo_sqlite, tmp_path):
    tpl = Presentation()
    tpl.slide_width, tpl.slide_height = Emu(12192000), Emu(6858000)
    s = tpl.slides.add_slide(tpl.slide_layouts[5])
    s.shapes.title.text = "MẪU CỦA ĐƠN VỊ"
    tpl.save(str(tmp_path / "deck.pptx"))
    path = build_slides(
        Store(demo_sqlite), "2023S1", tmp_path / "out", template=tmp_path / "deck.pptx",
        report_date=DAY,
    )  # fmt: skip
    prs = Presentation(str(path))
    assert all("MẪU CỦA ĐƠN VỊ" not in texts(s) for s in prs.slides)
    assert "Kết quả 6 tháng đầu năm 2023" in texts(next(iter(prs.slides)))
    assert all(c.value_axis.minimum_scale == 0 for c in charts(prs))


def run(*args, db):
    env = {**os.environ, "CHITIEU_DB": db, "CHITIEU_NOW": "2023-06-30T10:00:00+07:00"}
    return subprocess.run([EXE, *args], capture_output=True, text=True, env=env)


def test_cli_writes_the_deck_and_says_where_in_json(demo_sqlite, tmp_path):
    proc = run("slides", "--period", "2023S1", "--out", str(tmp_path), "--json", db=demo_sqlite)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert got["files"]["pptx"] == str(tmp_path / "slides-2023S1-vi.pptx")
    assert len(Presentation(got["files"]["pptx"]).slides) >= 8


def test_cli_an_unreadable_template_exits_2_and_names_the_file(demo_sqlite, tmp_path):
    bad = tmp_path / "deck.pptx"
    bad.write_text("not a deck", encoding="utf-8")
    proc = run(
        "slides", "--period", "2023S1", "--out", str(tmp_path), "--template", str(bad),
        db=demo_sqlite,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "deck.pptx" in proc.stdout + proc.stderr
    assert not (tmp_path / "slides-2023S1-vi.pptx").exists()


def test_every_figure_on_a_slide_is_one_the_report_states(demo_sqlite):
    ctx = make_context(Store(demo_sqlite), "2023S1", report_date=DAY, benchmark=False)
    d = deck(ctx)
    stated = ctx.table.stated()
    shown = [f.value for s in d.slides for f in s.figures]
    shown += [lab for s in d.slides if s.chart for ser in s.chart.series for lab in ser.labels]
    shown = [x.removesuffix(" (ước)") for x in shown if x and x != "—"]
    assert len(shown) > 40
    assert [x for x in shown if x not in stated] == []
