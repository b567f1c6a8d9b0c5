"""The web app in real Chromium (Debian's, through Playwright): sign-in, data entry with a
validation error and its correction, submit, two approval levels (the head accepts, the
ministry approves; the approve button hidden where four eyes forbid it), dashboard, downloads,
Excel round trip."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.chromium import CHROMIUM_ARGS

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """uvicorn on a free loopback port, serving a store with the demo (and its accounts)."""
    import uvicorn

    from chitieu.demo.build import load_demo
    from chitieu.store.values import Store
    from chitieu.web.app import create_app

    store = Store(f"sqlite:///{tmp_path_factory.mktemp('browser') / 'demo.db'}")
    load_demo(store)
    port = _free_port()
    config = uvicorn.Config(
        create_app(store=store), host="127.0.0.1", port=port, log_level="warning"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)
    store.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    exe = shutil.which("chromium")
    if exe is None:
        pytest.fail("Debian's chromium is not installed (scripts/setup.sh installs it)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


def sign_in(page, base: str, user: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/")
    assert "/login" in page.url
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(base + "/")


def sign_out(page) -> None:  # type: ignore[no-untyped-def]
    page.click("form[action='/logout'] button")
    page.wait_for_url("**/login")


def test_report_enter_submit_approve_dashboard_and_excel(server, browser, tmp_path: Path):
    from openpyxl import load_workbook

    shots = tmp_path
    ctx = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    errors: list[str] = []
    expected = "the server responded with a status of 422"  # the pages that show input errors

    def console(m) -> None:  # type: ignore[no-untyped-def]
        if m.type == "error" and expected not in m.text:
            errors.append(m.text)

    page.on("console", console)
    page.on("pageerror", lambda e: errors.append(str(e)))

    sign_in(page, server, "hanoi", "hanoi-demo-2023")
    entry = f"{server}/entry/TTTT-6T/01@34/2026S1"
    page.goto(entry)
    page.fill("#v__ICT_REVENUE", "62.345,6,7")
    page.fill("#v__ICT_BUDGET", "1.234")
    page.fill("#v__ICT_GDP", "15.000")
    page.fill("#v__ICT_LABOUR", "48.200")
    page.click("button[value=save]")
    err = page.locator("#err__ICT_REVENUE")
    err.wait_for()
    assert "62.345,6,7" in err.inner_text()
    assert page.get_attribute("#v__ICT_REVENUE", "aria-invalid") == "true"
    assert page.input_value("#v__ICT_GDP") == "15.000"  # typed values are kept
    page.screenshot(path=str(shots / "1-validation-error.png"), full_page=True)

    page.fill("#v__ICT_REVENUE", "62.345,6")
    page.click("button[value=save]")
    page.wait_for_selector(".alert.ok")
    assert "Đã lưu nháp" in page.inner_text(".alert.ok")
    assert page.input_value("#v__ICT_REVENUE") == "62.345,6"
    page.click("button[value=submit]")
    page.wait_for_selector(".alert.ok")
    assert page.inner_text("#status") == "đã gửi"
    assert page.locator("#v__ICT_REVENUE").get_attribute("readonly") is not None

    # Excel round trip on the annual form
    page.goto(f"{server}/entry/TTTT-N/01@34/2025")
    with page.expect_download() as dl:
        page.click("#template")
    assert dl.value.suggested_filename == "TTTT-N_01-34_2025_actual.xlsx"
    path = tmp_path / dl.value.suggested_filename
    dl.value.save_as(path)
    wb = load_workbook(path)
    ws = wb["Số liệu"]
    ws["H2"], ws["H3"], ws["H4"], ws["H5"] = 130000, "2.600", "31.500,5", "bốn mươi"
    bad = tmp_path / "bieu-loi.xlsx"
    wb.save(bad)
    page.set_input_files("#upload input[type=file]", str(bad))
    page.click("#upload button[type=submit]")
    page.wait_for_selector("#upload-errors")
    assert page.locator("#upload-errors td.cell").all_inner_texts() == ["H5"]
    page.screenshot(path=str(shots / "2-upload-errors.png"), full_page=True)
    ws["H5"] = 97000
    good = tmp_path / "bieu.xlsx"
    wb.save(good)
    page.set_input_files("#upload input[type=file]", str(good))
    page.click("#upload button[type=submit]")
    page.wait_for_selector(".alert.ok")
    assert page.input_value("#v__ICT_GDP") == "31.500,5"

    # phone screen: nothing sticks out sideways
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, storage_state=ctx.storage_state()
    )
    mp = phone.new_page()
    mp.goto(entry)
    assert mp.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    mp.screenshot(path=str(shots / "3-phone.png"), full_page=True)
    phone.close()
    sign_out(page)

    # the ministry may not approve before the department head accepts
    sign_in(page, server, "analyst", "analyst-demo-2023")
    page.goto(entry)
    assert page.locator("#approve").count() == 0 and page.locator("#accept").count() == 0
    sign_out(page)
    # the head accepts (level 1), with a note in the thread
    sign_in(page, server, "hanoi-head", "hanoi-head-demo-2023")
    page.goto(entry)
    assert page.locator("#v__ICT_REVENUE").get_attribute("readonly") is not None
    page.fill("#review form:has(#accept) textarea", "Đã rà soát, đồng ý")
    asked: list[str] = []  # accepting and approving ask to confirm first (issue 19)
    page.on("dialog", lambda d: (asked.append(d.message), d.accept()))
    page.click("#accept")
    page.wait_for_selector(".alert.ok")
    assert page.inner_text("#status") == "lãnh đạo Sở đã chấp thuận"
    assert "Đã rà soát, đồng ý" in page.inner_text("#thread")
    page.screenshot(path=str(shots / "4-accepted.png"), full_page=True)
    sign_out(page)

    # the ministry approves (level 2)
    sign_in(page, server, "analyst", "analyst-demo-2023")
    page.goto(entry)
    page.click("#approve")
    page.wait_for_selector(".alert.ok")
    assert len(asked) == 2 and "Thành phố Hà Nội" in asked[1]
    assert page.inner_text("#status") == "đã duyệt"
    page.goto(f"{server}/board/TTTT-6T/2026S1")
    row = page.locator("#board tr[data-unit='01@34']")
    assert "đã duyệt" in row.inner_text()

    # dashboard: headline figures of H1/2023, charts drawn, drill down to a province
    page.goto(f"{server}/dashboard?period=2023S1")
    headline = page.inner_text("#headline")
    assert "1.614.206" in headline and "-8,66" in headline and "39,6" in headline
    page.wait_for_selector("#chart-series[data-ready='1']")
    page.wait_for_selector("#chart-provinces[data-ready='1'] .main-svg")
    page.screenshot(path=str(shots / "5-dashboard.png"), full_page=True)
    page.click("#provinces a >> nth=0")
    page.wait_for_selector("#chart-series[data-ready='1']")
    assert "unit=" in page.url and "Toàn quốc" in page.inner_text(".crumbs")
    with page.expect_download() as dl:
        page.click("#figures")
    csv_text = Path(dl.value.path()).read_text(encoding="utf-8-sig")
    assert csv_text.startswith("indicator,unit,period") and "1614206" in csv_text
    assert not errors, errors
    ctx.close()
    assert len(list(shots.glob("*.png"))) == 5


def test_report_download_in_the_browser(server, browser):
    ctx = browser.new_context(accept_downloads=True)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, server, "analyst", "analyst-demo-2023")
    page.goto(f"{server}/dashboard?period=2023S1")
    for fmt in ("docx", "pdf", "html", "md"):
        href = page.get_attribute(f"#dash-report-{fmt}", "href")
        assert href and f"fmt={fmt}" in href and "period=2023S1" in href
    page.click("#report-links a >> nth=0")
    page.wait_for_selector(".report .plotly-chart[data-ready='1'] .main-svg")
    assert "1.614.206" in page.inner_text(".report")
    with page.expect_download() as dl:
        page.click("#report-docx")
    assert Path(dl.value.path()).read_bytes()[:2] == b"PK"
    assert not errors, errors
    ctx.close()
