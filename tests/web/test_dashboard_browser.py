"""The dashboard of issue 20 in Debian's Chromium at 1366×800 and 390×844, with screenshots:
the defects the leader and the analyst found, walked one by one (the like-for-like series
from zero, every province named, the page as wide as the phone, four headline cards in one
row, a drill-down highlighted, a period without figures said so), the map's drill-down by
keyboard, the pivot's Excel export equal to the screen, a saved view. On SQLite."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from tests.web.browsing import DESKTOP, PHONE, chromium, context, fits, serve, sign_in
from tests.web.conftest import PASSWORD, make_env

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    from chitieu.demo.build import load_demo

    env = make_env(f"sqlite:///{tmp_path_factory.mktemp('dash-browser') / 'd.db'}")
    load_demo(env.store)
    with serve(env.store) as base, chromium() as browser:
        yield base, browser
    env.store.engine.dispose()


def _page(site: tuple[str, Any], size: dict[str, int], user: str = "analyst") -> Any:
    base, browser = site
    page = context(browser, size).new_page()
    sign_in(page, base, user, PASSWORD, "vi")
    return page


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1366x800", "390x844"])
def test_the_defects_walked_at_both_sizes(site, size, tmp_path: Path):
    base = site[0]
    page = _page(site, size)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base + "/dashboard?period=2023S1")
    # the series: the same half across years, from zero, in Vietnamese number words
    ticks = page.locator("#chart-series g.axis text").all_text_contents()
    assert ticks[0] == "0" and any("triệu" in t for t in ticks), ticks
    years = page.locator("#chart-series g.categories text").all_text_contents()
    assert years == ["2019", "2020", "2021", "2022", "2023"], years
    # every province named in full, the page no wider than the screen
    names = page.locator("#provinces th[scope=row] a").all_inner_texts()
    assert len(names) == 34 and "Thành phố Hồ Chí Minh" in names
    assert fits(page)
    # four headline cards in one row on a desktop, two by two on a phone
    tops = {
        round(b["y"]) for b in (c.bounding_box() for c in page.locator("#headline .card").all())
    }
    assert len(tops) == (1 if size == DESKTOP else 2), tops
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    # a drill-down highlights the province it came from
    page.click("#provinces tr[data-unit='79@34'] a")
    page.wait_for_url(re.compile(r"unit=79%4034"))
    assert page.locator("#provinces tr.current").get_attribute("data-unit") == "79@34"
    assert "Toàn quốc" in page.inner_text(".crumbs")
    # a period without figures says so; the picker shows the period asked for
    page.goto(base + "/dashboard?period=202306")
    assert page.locator("#no-data").is_visible()
    assert page.locator("#f-period").input_value() == "202306"
    page.screenshot(path=str(tmp_path / "no-data.png"), full_page=True)
    assert not errors, errors
    page.context.close()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1366x800", "390x844"])
def test_the_map_drills_down_by_keyboard_and_highlights_the_province(site, size, tmp_path: Path):
    base = site[0]
    page = _page(site, size)
    page.goto(base + "/dashboard?period=2023S1&show=map")
    tile = page.locator("svg.tilemap a[data-unit='92@34']")
    assert float(tile.get_attribute("data-value") or "nan") > 0
    tile.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"unit=92%4034"))
    current = page.locator("svg.tilemap a.current")
    assert current.get_attribute("data-unit") == "92@34"
    assert current.get_attribute("aria-current") == "true"
    page.screenshot(path=str(tmp_path / "map.png"), full_page=True)
    page.context.close()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1366x800", "390x844"])
def test_the_pivots_workbook_holds_the_screens_figures(site, size, tmp_path: Path):
    base = site[0]
    page = _page(site, size)
    page.goto(base + "/dashboard/pivot?period=2023S1&indicator=ICT_REVENUE")
    page.screenshot(path=str(tmp_path / "pivot.png"), full_page=True)
    screen = {}
    for row in page.locator("#pivot tbody tr").all():
        label = row.locator("th").inner_text()
        screen[label] = [c.get_attribute("data-value") for c in row.locator("td").all()]
    with page.expect_download() as dl:
        page.click("#pivot-xlsx")
    ws = load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes())).worksheets[0]
    book = {r[0]: list(r[1:]) for r in ws.iter_rows(values_only=True) if r and r[0] in screen}
    assert len(book) == 34
    for label, cells in screen.items():
        want = [float(v) if v else None for v in cells]
        got = [v if isinstance(v, float | int) else None for v in book[label]]
        assert got == want, label
    page.context.close()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1366x800", "390x844"])
def test_a_saved_view_opens_again(site, size, tmp_path: Path):
    base = site[0]
    page = _page(site, size)
    page.goto(base + "/dashboard?period=2022S1&chart=column&indicator=ICT_BUDGET")
    page.fill("#save-view input[name=name]", "Ngân sách, cột")
    page.click("#save-view button[type=submit]")
    page.wait_for_selector("p.alert.ok")
    page.goto(base + "/dashboard")
    page.click("text=Ngân sách, cột")
    assert "chart=column" in page.url and "indicator=ICT_BUDGET" in page.url
    assert page.locator("#f-chart").input_value() == "column"
    assert page.locator("#chart-series rect.mark").count() > 0  # columns drawn
    page.screenshot(path=str(tmp_path / "saved-view.png"), full_page=True)
    page.context.close()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1366x800", "390x844"])
def test_the_leader_lands_on_the_dashboard_and_sees_no_draft(site, size, tmp_path: Path):
    """The viewer (a ministry leader) signs in onto the dashboard, not the form cards; a
    province's unsubmitted draft is refused with a word on where the figures are."""
    base, browser = site
    page = context(browser, size).new_page()
    page.goto(f"{base}/lang/vi?next=/login")
    page.fill("input[name=username]", "viewer")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard$"))  # straight from the sign-in
    assert page.locator("#chart-series svg.svgchart").count() == 1 and fits(page)
    page.screenshot(path=str(tmp_path / "leader.png"), full_page=True)
    got = page.goto(base + "/entry/TTTT-6T/79@34/2026S1")
    assert got is not None and got.status == 403
    assert "chưa được nộp" in page.inner_text("main")
    page.screenshot(path=str(tmp_path / "draft-refused.png"), full_page=True)
    page.context.close()
