"""The dashboard of issue 20 (no browser): like-for-like series from zero, the tile map, the
pivot and its exports, saved views, the period picker, the viewer's landing page and drafts,
the report page's picker and zips, and the weight of what is sent (fingerprinted assets,
brotli and gzip). On the demo store, SQLite; the store-touching saved views on both backends."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator

import pytest
from openpyxl import load_workbook
from tests.web.conftest import WebEnv, csrf, make_env

from chitieu.analyze.facts import facts


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebEnv]:
    from chitieu.demo.build import load_demo

    env = make_env(f"sqlite:///{tmp_path_factory.mktemp('dash') / 'd.db'}")
    load_demo(env.store)
    yield env
    env.store.engine.dispose()


@pytest.fixture(autouse=True)
def _september_2026(monkeypatch: pytest.MonkeyPatch) -> None:
    """Today is 15 September 2026: H1 2026 is over, the year 2026 is not."""
    monkeypatch.setenv("CHITIEU_NOW", "2026-09-15T03:00:00")


def test_the_2023S1_series_holds_only_first_halves_and_starts_at_zero(demo):
    """Before: the series alternated halves (H2 2022, H1 2023, …) on an axis from 1,6M."""
    got = demo.api("analyst").get(
        "/api/v1/series", params={"indicator": "ICT_REVENUE", "period": "2023S1"}
    )
    assert got.status_code == 200, got.text
    pts = got.json()["points"]
    assert [p["period"] for p in pts] == ["2019S1", "2020S1", "2021S1", "2022S1", "2023S1"]
    assert all(p["kind"] in (None, "actual", "estimate") and "coverage" in p for p in pts)
    page = demo.browser("analyst").get("/dashboard", params={"period": "2023S1"}).text
    svg = re.search(r'<section class="card chart" id="chart-series">.*?</svg>', page, re.S)[0]
    ticks = re.findall(r'<text x="84" y="[\d.]+" text-anchor="end" fill="#333">([^<]+)</text>', svg)
    assert ticks[0] == "0" and ticks[-1].endswith("triệu"), ticks  # from zero, in words
    assert not any(re.search(r"\d[kMG]\b", t) for t in ticks), ticks
    assert "6 tháng cuối" not in svg and ">2022<" in svg and ">2023<" in svg
    estimate = facts(demo.store, "2023S1").get("ICT_REVENUE", "VN")
    assert estimate is not None and estimate.kind == "estimate"
    assert 'class="mark estimate"' in svg  # the estimate is an open dot


def test_the_province_ranking_names_every_province_and_drills_down(demo):
    c = demo.browser("analyst")
    page = c.get("/dashboard", params={"period": "2023S1", "unit": "01@34"}).text
    rows = re.findall(r'<tr data-unit="(\d\d@34)"( class="current")?', page)
    assert len(rows) == 34 and dict(rows)["01@34"] == ' class="current"'
    assert "Thành phố Hồ Chí Minh</a>" in page  # a name never cut ("phố Hồ Chí Minh")
    assert "unit=79%4034" in page  # each row drills down


def test_the_map_answers_svg_with_every_province_and_its_value(demo):
    c = demo.browser("analyst")
    r = c.get("/dashboard/map", params={"period": "2023S1", "indicator": "ICT_REVENUE"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    tiles = dict(re.findall(r'data-unit="([^"]+)" data-value="([^"]*)"', r.text))
    assert len(tiles) == 34
    want = facts(demo.store, "2023S1").get("ICT_REVENUE", "79@34")
    assert want is not None and float(tiles["79@34"]) == want.value
    q = {"period": "2023S1", "indicator": "ICT_REVENUE", "boundaries": "as_reported"}
    old = c.get("/dashboard/map", params={**q, "measure": "change"})
    assert len(re.findall(r'data-unit="\d\d@63"', old.text)) == 63
    assert 'class="legend"' in old.text and "%" in old.text
    picked = c.get("/dashboard", params={"period": "2023S1", "show": "map", "unit": "01@34"})
    assert 'data-unit="01@34" data-value' in picked.text and 'aria-current="true"' in picked.text


def test_the_pivot_and_its_exports_are_the_same_table(demo):
    c = demo.api("analyst")
    q = {"rows": "unit", "cols": "period", "period": "2023S1", "indicator": "ICT_REVENUE"}
    got = c.get("/api/v1/pivot", params=q).json()
    assert got["keys"]["columns"] == ["2019S1", "2020S1", "2021S1", "2022S1", "2023S1"]
    assert len(got["rows"]) == 34 and got["total"]["label"].startswith("Cả nước")
    text = c.get("/api/v1/pivot", params={**q, "format": "csv"}).content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][1] == "6 tháng đầu năm 2019"  # Vietnamese headers
    hcm = next(r for r in table if r[0] == "Thành phố Hồ Chí Minh")
    cell = next(x for x in got["rows"] if x["label"] == "Thành phố Hồ Chí Minh")["cells"][-1]
    assert hcm[-1] == cell["text"] and "." in cell["text"]  # 383.424: Vietnamese grouping
    book = load_workbook(io.BytesIO(c.get("/api/v1/pivot", params={**q, "format": "xlsx"}).content))
    ws = book.worksheets[0]
    cells = {row[0]: row[1:] for row in ws.iter_rows(values_only=True) if row and row[0]}
    assert cells["Thành phố Hồ Chí Minh"][-1] == cell["value"]
    bad = c.get("/api/v1/pivot", params={**q, "cols": "unit"})
    assert bad.status_code == 422
    page = demo.browser("analyst").get("/dashboard/pivot", params=q).text
    assert 'id="pivot-xlsx"' in page and "format=csv" in page


def test_a_figure_says_what_it_is_and_the_csv_is_the_table_on_screen(demo):
    c = demo.browser("analyst")
    page = c.get("/dashboard", params={"period": "2023S1"}).text
    assert 'class="badge est"' in page and "số thực hiện được dùng" in page
    assert '/dashboard/indicator/ICT_REVENUE"' in page
    text = c.get("/dashboard/figures.csv", params={"period": "2023S1"}).content
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert rows[0][0] == "Chỉ tiêu" and rows[1][0] == "Doanh thu toàn ngành TT&TT"
    assert rows[1][2] == "1.614.206" and rows[1][6] == "-8,66"  # as on screen, not 1614206
    assert c.get("/dashboard/indicator/ICT_REVENUE").status_code == 200


def test_the_period_picker_offers_periods_over_and_keeps_the_one_asked_for(demo):
    c = demo.browser("analyst")
    page = c.get("/dashboard").text
    options = re.findall(r'<option value="(\d{4}(?:S\d|Q\d|YTD\d\d|\d\d)?)"', page)
    assert "2026" not in options and "2026S1" in options  # a year not over is not offered
    assert re.search(r'<option value="2026S1" selected>', page)  # the default: newest half
    month = c.get("/dashboard", params={"period": "202306"}).text
    assert re.search(r'<option value="202306" selected>', month)
    assert 'id="no-data"' in month  # a period without figures says so


def test_a_viewer_lands_on_the_dashboard_and_sees_no_draft(demo):
    c = demo.browser("viewer")
    r = c.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/dashboard"
    draft = c.get("/entry/TTTT-6T/79@34/2026S1")
    assert draft.status_code == 403 and "chưa được nộp" in draft.text


def test_saved_views_are_each_users_own(web):
    c = web.browser("analyst")
    token = csrf(c, "/dashboard?period=2025S1")
    r = c.post("/dashboard/views", data={"csrf_token": token, "name": "Doanh thu HCM",
               "query": "period=2025S1&unit=79%4034&evil=1&chart=column"},
               follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and "evil" not in r.headers["location"]
    page = c.get("/dashboard?period=2025S1").text
    assert 'href="/dashboard?period=2025S1&amp;unit=79%4034&amp;chart=column">Doanh thu HCM' in page
    assert "Doanh thu HCM" not in web.browser("viewer").get("/dashboard?period=2025S1").text
    vid = re.search(r'action="/dashboard/views/(\d+)/delete"', page)[1]
    c.post(f"/dashboard/views/{vid}/delete", data={"csrf_token": token})
    assert "Doanh thu HCM" not in c.get("/dashboard?period=2025S1").text


def test_assets_are_fingerprinted_compressed_and_kept_a_year(demo):
    c = demo.browser("analyst")
    page = c.get("/dashboard", params={"period": "2023S1"}, headers={"Accept-Encoding": "br"})
    assert page.headers["content-encoding"] == "br"
    assert "plotly" not in page.text  # no charting library in the page
    css = re.search(r'href="(/assets/style\.[0-9a-f]{12}\.css)"', page.text)[1]
    for enc in ("br", "gzip"):
        r = c.get(css, headers={"Accept-Encoding": enc})
        assert r.headers["content-encoding"] == enc and "immutable" in r.headers["cache-control"]
        assert "max-age=31536000" in r.headers["cache-control"]
    assert c.get(css.replace(".css", "0.css")).status_code == 404


def test_the_report_page_has_a_picker_and_zips_with_their_images(demo):
    c = demo.browser("analyst")
    page = c.get("/report").text
    assert re.search(r'<option value="2026S1" selected>', page) and 'id="r-unit"' in page
    assert "<svg" in page and "Plotly" not in page and 'class="heading-block"' in page
    r = c.get("/report/download", params={"period": "2023S1", "fmt": "md"})
    assert r.headers["content-type"] == "application/zip", r.text[-1500:]
    z = zipfile.ZipFile(io.BytesIO(r.content))
    md = next(n for n in z.namelist() if n.endswith(".md"))
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", z.read(md).decode("utf-8"))
    assert links and all(link in z.namelist() for link in links), (links, z.namelist())


def test_the_picker_offers_only_periods_that_hold_figures(demo):
    """Before: the demo's halves made "7 tháng" … "11 tháng" of each year offered (January to
    July contains the first half), and each opened on "no figures" — July has none."""
    from chitieu.web.routes.dashboard_data import data_periods

    offered = data_periods(demo.store)
    assert "2023YTD09" not in offered and "2023YTD07" not in offered
    assert {"2023", "2023S1", "2023S2", "2026S1"} <= set(offered)
    for pid in offered:
        fs = facts(demo.store, pid)
        assert any(f.value is not None for f in fs), f"{pid} is offered but holds no figure"
