"""The HTML report renders in Chromium (Playwright, Debian's browser, offline): charts drawn."""

import shutil
from datetime import date

import pytest
from tests.chromium import CHROMIUM_ARGS

from chitieu.report import build_report
from chitieu.store.values import Store


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_html_report_renders_its_charts_in_chromium(demo_sqlite, tmp_path):
    from playwright.sync_api import sync_playwright

    out = build_report(
        Store(demo_sqlite),
        "2023S1",
        formats=("html",),
        out_dir=tmp_path,
        report_date=date(2023, 6, 30),
    )
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.on("request", lambda r: requests.append(r.url))
        page.goto(out["html"].as_uri())
        page.wait_for_selector("#chart-headline svg.main-svg", timeout=20_000)
        for chart in ("headline", "series", "provinces-ICT_REVENUE", "benchmark-publishing"):
            assert page.locator(f"#chart-{chart} svg.main-svg").count() >= 1
        bars = page.locator("#chart-headline g.point").count()
        assert bars == 8  # 4 indicators × (change, % of plan)
        assert "-8,66" in page.locator("#chart-headline").inner_text()  # vi separators
        body = page.locator("body").inner_text()
        assert "ước đạt 1.614.206 tỷ đồng, giảm 8,66% so với cùng kỳ năm 2022" in body
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert (tmp_path / "report.png").stat().st_size > 50_000
    assert all(u.startswith("file://") for u in requests)  # nothing fetched from the network
