"""Print (issue 19, item 5): a blank form, a filled form and the analyst's queue with the print
stylesheet (``page.emulate_media(media="print")``) in Debian's Chromium: no navigation, no
button, no upload or action form; the values and the queue's table whole on the width of an
A4 page; ``page.pdf()`` makes the PDF. Screenshots of the print view in the test's temporary
folder. On SQLite (reading pages)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.web.browsing import chromium, context, serve, sign_in
from tests.web.conftest import PASSWORD, WebEnv, make_env

from chitieu.store.values import NewValue

pytestmark = pytest.mark.browser
FORM, UNIT = "TTTT-6T", "01@34"
#: the printable width of an A4 page at 96 px per inch, 15 mm margins (print.css's @page)
A4 = {"width": 680, "height": 960}
PAGES = {
    "blank-form": ("reporter", f"/entry/{FORM}/{UNIT}/2026S2?round=estimate"),
    "filled-form": ("reporter", f"/entry/{FORM}/{UNIT}/2026S1?round=actual"),
    "queue": ("analyst", f"/queue?form={FORM}&period=2026S1"),
}
#: what paper has no use for (each must not be rendered in print)
HIDDEN = ("header.top", "footer", ".skip", "nav", "button", "#upload", "#excel", "form.filters",
          "#bulk fieldset", "input[type=checkbox]", ".crumbs", "a.history")  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WebEnv, str, Any]]:
    env = make_env(f"sqlite:///{tmp_path_factory.mktemp('print') / 'w.db'}")
    env.store.write(
        [
            NewValue(code, UNIT, "2026S1", "actual", v, comment="ghi chú " + code[4:].lower())
            for code, v in (("ICT_REVENUE", 1050.5), ("ICT_BUDGET", 45405.0),
                            ("ICT_GDP", 15000.0), ("ICT_LABOUR", 8100.0))
        ],
        source="test",
        created_by="reporter",
    )  # fmt: skip
    with serve(env.store) as base, chromium() as browser:
        yield env, base, browser
    env.store.engine.dispose()


def shown(page: Any, selector: str) -> int:
    """How many elements matching ``selector`` are rendered (take room on the page)."""
    return int(
        page.locator(selector).evaluate_all(
            "els => els.filter(e => e.getClientRects().length > 0).length"
        )
    )


@pytest.mark.parametrize("name", list(PAGES))
def test_print_hides_the_controls_keeps_the_content_whole_and_makes_a_pdf(
    site, name: str, tmp_path: Path
):
    _env, base, browser = site
    role, path = PAGES[name]
    page = context(browser, A4).new_page()
    sign_in(page, base, role, PASSWORD, "vi")
    page.goto(base + path)
    page.emulate_media(media="print")
    assert page.evaluate("matchMedia('print').matches")
    on_paper = {sel: n for sel in HIDDEN if (n := shown(page, sel))}
    assert not on_paper, on_paper
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing cut
    if name == "queue":
        rows = page.locator("#queue tbody tr")
        assert rows.count() > 0 and shown(page, "#queue tbody tr") == rows.count()
        box = page.locator("#queue").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1
        heads = page.locator("#queue thead th").evaluate_all(
            "ths => ths.filter(t => t.getClientRects().length).map(t => t.innerText.trim())"
        )
        assert "Đơn vị" in heads and "Trạng thái" in heads, heads
    else:
        assert shown(page, "fieldset.entry-row") == 4  # every indicator, on the page's width
        for box in page.locator("fieldset.entry-row").evaluate_all(
            "fs => fs.map(f => f.getBoundingClientRect().right)"
        ):
            assert box <= width + 1
        values = page.locator("input.value").evaluate_all("is => is.map(i => i.value)")
        if name == "filled-form":
            assert values == ["1.050,5", "45.405", "15.000", "8.100"], values
            assert "ghi chú revenue" in page.locator("#c__ICT_REVENUE").input_value()
        else:
            assert values == ["", "", "", ""], values
    page.screenshot(path=str(tmp_path / f"print-{name}.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=False)
    assert pdf[:5] == b"%PDF-" and len(pdf) > 2000
    (tmp_path / f"{name}.pdf").write_bytes(pdf)
    page.context.close()
