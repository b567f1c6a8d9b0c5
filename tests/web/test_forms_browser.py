"""The official form's template round trip in real Chromium (issue 18): the department's
officer downloads the form in its official layout from the entry page, fills it in, uploads
it; an error is listed at its cell and nothing stored; corrected, the values are on the form."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.web.test_web_browser import browser, server, sign_in  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def _fill(path: Path, typed: dict[str, object]) -> dict[str, str]:
    """Type values in the report's own column (by the rows' "Mã số"); code → cell."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb.worksheets[0]
    meta = {r[2].value: r[3].value for r in wb["Danh mục"].iter_rows(min_row=2) if r[2].value}
    period = str(meta["period"])
    own = next(c.column for c in ws[7] if c.value and period[:4] in str(c.value)
               and "Kế hoạch" not in str(c.value))  # fmt: skip
    rows = {str(ws.cell(r, 3).value): r for r in range(9, ws.max_row + 1) if ws.cell(r, 3).value}
    cells = {}
    for code, value in typed.items():
        cell = ws.cell(rows[code], own)
        cell.value = value
        cells[code] = cell.coordinate
    wb.save(path)
    return cells


def test_the_official_form_round_trips_in_the_browser(server, browser, tmp_path: Path) -> None:  # noqa: F811
    ctx = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    sign_in(page, server, "hanoi", "hanoi-demo-2023")
    page.goto(f"{server}/entry/TTTT-6T/01@34/2026S1")
    before = page.input_value("#v__ICT_REVENUE")
    with page.expect_download() as dl:
        page.click("#template")  # the default: the official form
    path = tmp_path / "bieu.xlsx"
    dl.value.save_as(path)
    cells = _fill(path, {"01": "62.345,6", "02": 1234, "03": "mười lăm nghìn", "04": 48200})
    page.set_input_files("#upload input[type=file]", str(path))
    page.click("#upload button[type=submit]")
    page.wait_for_selector("#upload-errors")
    assert page.locator("#upload-errors td.cell").all_inner_texts() == [cells["03"]]
    assert page.input_value("#v__ICT_REVENUE") == before  # nothing stored
    _fill(path, {"03": 15000})
    page.set_input_files("#upload input[type=file]", str(path))
    page.click("#upload button[type=submit]")
    page.wait_for_selector(".alert.ok")
    assert page.input_value("#v__ICT_REVENUE") == "62.345,6"
    assert page.input_value("#v__ICT_GDP") == "15.000"
    ctx.close()
