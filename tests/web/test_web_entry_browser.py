"""Issue 19's defects of the entry page, walked in Debian's Chromium at 1366×800 and 390×844:
numbers read whatever the interface language (every spelling of the shared table, in both
languages), values in context (last year, plan, expected range, a flag while typing, a reason
the analyst reads), the leave-page prompt, the focus after a save, the skip link and the tab
order, a mistyped period, the pickers. Screenshots go to the test's temporary folder."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.web.browsing import DESKTOP, PHONE, chromium, context, fits, serve, sign_in
from tests.web.conftest import PASSWORD, WebEnv, make_env

from chitieu.check.rules import rules
from chitieu.fmt import format_number
from chitieu.store.values import NewValue
from chitieu.workflow.context import remember_habit

pytestmark = pytest.mark.browser
FORM, UNIT, PERIOD = "TTTT-6T", "01@34", "2026S1"
ENTRY = f"/entry/{FORM}/{UNIT}/{PERIOD}?round=actual"
TABLE = Path(__file__).parent.parent / "data" / "number_spellings.csv"


def spellings() -> list[dict[str, str]]:
    """The one table of number spellings (shared with tests/test_numbers.py)."""
    lines = [ln for ln in TABLE.read_text(encoding="utf-8").splitlines() if ln[:1] != "#"]
    return list(csv.DictReader(lines))


def with_history(env: WebEnv) -> WebEnv:
    """Last year's figures and this year's plan for the unit (the range: ±50 % of last year)."""
    env.store.write(
        [
            NewValue("ICT_BUDGET", UNIT, "2025S1", "actual", 20000.0),
            NewValue("ICT_LABOUR", UNIT, "2025S1", "actual", 8000.0),
            NewValue("ICT_BUDGET", UNIT, "2026", "plan", 45000.0),
        ],
        source="test",
        created_by="test",
    )
    return env


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WebEnv, str, Any]]:
    env = with_history(make_env(f"sqlite:///{tmp_path_factory.mktemp('entry') / 'w.db'}"))
    with serve(env.store) as base, chromium() as browser:
        yield env, base, browser
    env.store.engine.dispose()


def stored(env: WebEnv, indicator: str) -> float | None:
    got = env.store.current([PERIOD], indicators=[indicator], units=[UNIT], kinds=["actual"])
    return got[0].value if got else None


def open_entry(
    browser: Any, base: str, lang: str, size: dict[str, int] = DESKTOP, url: str = ENTRY
) -> Any:
    ctx = context(browser, size)
    page = ctx.new_page()
    sign_in(page, base, "reporter", PASSWORD, lang)
    page.goto(base + url)
    return page


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_spelling_gets_its_verdict_whatever_the_language(site, lang: str, tmp_path: Path):
    """The defect: in English, 45.405 was stored as forty-five and a fraction. Now each
    spelling of the table gets the same verdict in both languages, and nothing ambiguous is
    stored: it is refused at its field with both readings shown."""
    env, base, browser = site
    page = open_entry(browser, base, lang)
    for row in spellings():
        remember_habit(env.store, UNIT, "")  # no habit: each spelling judged on its own
        before = stored(env, "ICT_GDP")
        page.fill("#v__ICT_GDP", row["text"])
        page.fill("#c__ICT_GDP", "có lý do")  # a reason, in case it lies outside the range
        page.click("button[value=save]")
        page.wait_for_load_state()
        where = f"{row['text']!r} in {lang}"
        if row["verdict"] == "value" and float(row["value"]) < 0:  # read, then refused by the
            err = page.inner_text("#err__ICT_GDP")  # rules (a GDP share is not negative)
            assert "không phải là một số" not in err and "is not a number" not in err, where
            assert page.locator("#readings__ICT_GDP").count() == 0, where
        elif row["verdict"] == "value":
            assert page.locator(".alert.ok").count() == 1, where
            assert stored(env, "ICT_GDP") == pytest.approx(float(row["value"])), where
        elif row["verdict"] == "ambiguous":
            box = page.locator("#readings__ICT_GDP")
            assert box.is_visible(), where
            shown = box.inner_text()
            assert stored(env, "ICT_GDP") == before, where  # nothing ambiguous stored
            assert len(box.locator("input[type=radio]").all()) == 2, where
            assert row["text"] in shown, where
        else:
            err = page.locator("#err__ICT_GDP")
            assert err.is_visible(), where
            text = err.inner_text()
            assert ("không phải là một số" in text) == (lang == "vi"), (where, text)
            assert stored(env, "ICT_GDP") == before, where
        page.goto(base + ENTRY)
    page.screenshot(path=str(tmp_path / f"numbers-{lang}.png"), full_page=True)
    page.context.close()


def test_a_picked_reading_is_stored_and_remembered_for_the_unit(site):
    env, base, browser = site
    remember_habit(env.store, UNIT, "")
    page = open_entry(browser, base, "en")
    page.fill("#v__ICT_BUDGET", "45.405")
    page.click("button[value=save]")
    page.wait_for_selector("#readings__ICT_BUDGET")
    assert "45,405" in page.inner_text("#readings__ICT_BUDGET")  # the readings, in English
    page.check("#readings__ICT_BUDGET input[value=vi]")
    page.click("button[value=save]")
    page.wait_for_selector(".alert.ok")
    assert stored(env, "ICT_BUDGET") == 45405
    page.fill("#v__ICT_BUDGET", "21.500")  # the unit writes the Vietnamese way: not asked again
    page.click("button[value=save]")
    page.wait_for_selector(".alert.ok")
    assert stored(env, "ICT_BUDGET") == 21500
    page.context.close()


def test_keyboard_skip_link_tab_order_focus_after_save_and_leave_prompt(site, tmp_path):
    _env, base, browser = site
    page = open_entry(browser, base, "vi")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    stops = 0  # the first value within a few stops of the content's start
    while stops < 8 and page.evaluate("document.activeElement.id") != "v__ICT_REVENUE":
        page.keyboard.press("Tab")
        stops += 1
    assert stops <= 5, f"the first value is tab stop {stops} of the content"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "c__ICT_REVENUE"  # then its comment
    # focus comes back to the field the user was in after saving
    page.click("#v__ICT_GDP")
    page.keyboard.press("Control+A")
    page.keyboard.type("15.000,5")
    page.keyboard.press("Enter")
    page.wait_for_selector(".alert.ok")
    assert page.evaluate("document.activeElement.id") == "v__ICT_GDP"
    # typed values are not lost silently: leaving asks first
    page.click("#v__ICT_GDP")
    page.keyboard.type("1")
    asked: list[str] = []

    def dialog(d: Any) -> None:
        asked.append(d.type)
        d.dismiss()

    page.on("dialog", dialog)
    page.click("header.top a.brand", no_wait_after=True)
    page.wait_for_timeout(0)  # let the dialog event arrive (no clock: an event loop turn)
    page.wait_for_function("true")
    assert asked == ["beforeunload"] and "/entry/" in page.url
    page.context.close()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_values_in_context_flag_while_typing_and_reason_the_reviewer_reads(site, size, tmp_path):
    """A half-year budget figure far below last year's is flagged while typing; submitting asks
    for a reason; the reason is what the head and the ministry see at the top of their review."""
    env, base, browser = site
    remember_habit(env.store, UNIT, "vi")
    # the phone walks the estimate round's report (the desktop submits the actual one)
    url = ENTRY if size == DESKTOP else ENTRY.replace("actual", "estimate")
    page = open_entry(browser, base, "vi", size, url)
    ctx_text = page.inner_text("#ctx__ICT_BUDGET")
    assert "20.000" in ctx_text and "45.000" in ctx_text  # last year, plan
    t = rules().outlier_settings("ICT_BUDGET").max_change_pct / 100  # the import's rule
    low, high = (format_number(20000 * (1 + k * t), 0, "vi") for k in (-1, 1))
    assert f"{low} – {high}" in ctx_text
    page.fill("#v__ICT_REVENUE", "1.000")
    page.fill("#v__ICT_GDP", "15.000")
    page.fill("#v__ICT_LABOUR", "8.100")
    page.fill("#c__ICT_BUDGET", "")
    page.click("#v__ICT_BUDGET")
    page.keyboard.press("Control+A")
    page.keyboard.type("100")
    assert "khoảng dự kiến" in page.inner_text("#flag__ICT_BUDGET")  # flagged while typing
    assert fits(page)
    page.screenshot(path=str(tmp_path / "flag-while-typing.png"), full_page=True)
    if size == PHONE:
        page.context.close()
        return
    page.click("button[value=submit]")
    page.wait_for_selector("#need-reasons")
    assert page.inner_text("#status") != "đã gửi" and stored(env, "ICT_BUDGET") == 100
    page.fill("#c__ICT_BUDGET", "Năm nay chưa nhận kinh phí")
    page.click("button[value=submit]")
    page.wait_for_selector(".alert.ok")
    assert page.inner_text("#status") == "đã gửi"
    page.context.close()
    head = context(browser, size).new_page()
    sign_in(head, base, "head", PASSWORD, "vi")
    head.goto(base + ENTRY)
    flagged = head.inner_text("#review-summary")
    assert "Năm nay chưa nhận kinh phí" in flagged and "ICT" not in flagged
    head.screenshot(path=str(tmp_path / "review-summary.png"), full_page=True)
    head.context.close()


def test_a_mistyped_period_offers_the_forms_periods_in_the_page_language(site):
    _env, base, browser = site
    page = open_entry(browser, base, "vi")
    page.goto(f"{base}/entry/{FORM}/{UNIT}/2026Q1")
    text = page.inner_text("main")
    assert "không phải là kỳ" in text and "is not" not in text
    page.click("#choices a >> nth=0")
    assert re.search(r"/entry/TTTT-6T/01@34/2026S1", page.url)
    page.context.close()


def test_pickers_open_the_form_by_human_labels(site):
    _env, base, browser = site
    page = context(browser, DESKTOP).new_page()
    sign_in(page, base, "reporter", PASSWORD, "vi")
    forms = page.locator("#pickers section").evaluate_all("ss => ss.map(s => s.dataset.form)")
    assert "LV-6T" not in forms and "TTTT-6T" in forms  # no national form for a province
    card = page.locator("#pickers section[data-form='TTTT-KH']")
    first = card.locator("select[name=period] option").first.inner_text()
    assert "2027" in first or "hạn" in first  # the plan due next, not a year already over
    card = page.locator("#pickers section[data-form='TTTT-6T']")
    card.locator("select[name=period]").select_option("2026S1")
    card.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/entry/TTTT-6T/01@34/2026S1"))
    assert page.locator("#entry").count() == 1  # the form itself, not the board
    page.context.close()
