"""Issue 19's "Messages" defects, walked in Debian's Chromium at 1366×800 and 390×844, in both
interface languages, with screenshots in the test's temporary folder: number and domain errors
in the page's language whole, values in CLDR format, a hint a web user can follow (the
indicator's definition, its allowed values) instead of a CLI command; a mistyped period; a
``.txt`` upload told beside the upload control with the typed values kept; an edited period
cell named; re-uploading one's own file; names, not codes, in the empty-submit message and the
audit; the English board in English. Page walks and these few writes on SQLite."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from tests.web.browsing import DESKTOP, PHONE, axe, chromium, context, fits, serve, sign_in
from tests.web.conftest import PASSWORD, WebEnv, make_env

pytestmark = pytest.mark.browser
FORM, UNIT, PERIOD = "TTTT-6T", "01@34", "2026S1"
BASE = f"/entry/{FORM}/{UNIT}/{PERIOD}"
ACTUAL, ESTIMATE = BASE + "?round=actual", BASE + "?round=estimate"
SIZES = [DESKTOP, PHONE]
#: English words that must not show on a Vietnamese page, and the reverse
ENGLISH = ("is not", "takes values", "cannot be read", "valid", "write digits", "got '")
VIETNAMESE = ("không phải", "nhận giá trị", "Chỉ tiêu", "chưa", "Kiểm tra")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WebEnv, str, Any]]:
    env = make_env(f"sqlite:///{tmp_path_factory.mktemp('msg') / 'w.db'}")
    with serve(env.store) as base, chromium() as browser:
        yield env, base, browser
    env.store.engine.dispose()


def stored(env: WebEnv, indicator: str, kind: str = "actual") -> float | None:
    got = env.store.current([PERIOD], indicators=[indicator], units=[UNIT], kinds=[kind])
    return got[0].value if got else None


def signed_in(browser: Any, base: str, lang: str, size: dict[str, int], user: str = "reporter"):
    page = context(browser, size).new_page()
    sign_in(page, base, user, PASSWORD, lang)
    return page


def shot(page: Any, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)


def template(page: Any, base: str, url: str) -> Any:
    """The report's Excel template as a long table (``layout=long``; the official form's
    layout is the default), as the signed-in user downloads it, opened."""
    path, _, query = url.partition("?")
    got = page.request.get(f"{base}{path}/template.xlsx?{query}&layout=long")
    assert got.ok, got.status
    return load_workbook(io.BytesIO(got.body()))


def upload(page: Any, wb: Any, name: str = "bieu.xlsx") -> None:
    """Upload ``wb`` through the page's upload control (and wait for the answer)."""
    buf = io.BytesIO()
    wb.save(buf)
    send(page, name, buf.getvalue())


def send(page: Any, name: str, body: bytes) -> None:
    page.set_input_files("#upload input[type=file]", files=[
        {"name": name, "mimeType": "application/octet-stream", "buffer": body}])  # fmt: skip
    with page.expect_navigation():
        page.click("#upload button[type=submit]")


def only_in(text: str, lang: str) -> None:
    """``text`` holds no words of the other language."""
    other = ENGLISH if lang == "vi" else VIETNAMESE
    assert not [w for w in other if w in text], (lang, text)
    assert "chitieu catalog" not in text, text


@pytest.mark.parametrize("size", SIZES, ids=["desktop", "phone"])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_value_errors_speak_the_page_language_with_cldr_values_and_a_web_hint(
    site, lang: str, size: dict[str, int], tmp_path: Path
):
    """The defects: a number the upload could not read was told half in English; a value
    outside the domain was printed '-300.0' and sent the officer to `chitieu catalog`."""
    env, base, browser = site
    page = signed_in(browser, base, lang, size)
    url = ACTUAL if size == DESKTOP else ESTIMATE
    page.goto(base + url)
    wb = template(page, base, url)
    ws = wb["Số liệu"]
    ws["H2"], ws["H3"], ws["H4"] = -1234.5, "12.34.5", 5  # revenue < 0, budget no number
    upload(page, wb)
    table = page.inner_text("#upload-errors")
    only_in(table, lang)
    assert ("-1.234,5" if lang == "vi" else "-1,234.5") in table, table  # CLDR, not -1234.5
    assert "-1234.5" not in table
    assert ("Doanh thu toàn ngành" if lang == "vi" else "ICT sector revenue") in table
    assert ("từ 0 trở lên" if lang == "vi" else "0 or more") in table  # the allowed values
    assert stored(env, "ICT_GDP", url.rsplit("=", 1)[1]) is None  # all or nothing
    assert fits(page) and not axe(page)  # the error table scrolls by keyboard on a phone
    shot(page, tmp_path, f"upload-errors-{lang}")
    # the typed path: a domain error at its field, the same way, with the definition a click
    # away (a page every user may open), not a command
    page.fill("#v__ICT_REVENUE", "-300")
    page.click("button[value=save]")
    page.wait_for_selector("#err__ICT_REVENUE")
    err = page.inner_text("#err__ICT_REVENUE")
    only_in(err, lang)
    link = page.locator("#err__ICT_REVENUE a.definition")
    assert link.get_attribute("href") == "/dashboard/indicator/ICT_REVENUE"
    assert fits(page) and not axe(page)
    shot(page, tmp_path, f"field-error-{lang}")
    link.click()
    page.wait_for_url(re.compile(r"/dashboard/indicator/ICT_REVENUE"))
    assert "ICT sector revenue" in page.inner_text("h1") or "Doanh thu" in page.inner_text("h1")
    page.context.close()


@pytest.mark.parametrize("size", SIZES, ids=["desktop", "phone"])
def test_a_mistyped_period_is_told_in_english_with_the_forms_periods(site, size, tmp_path):
    """The Vietnamese page is tested in test_web_entry_browser; here the English one (it was
    an English dead end in both), and the board's mistyped period too."""
    _env, base, browser = site
    page = signed_in(browser, base, "en", size)
    for url in (f"{BASE[:-6]}2026Q1", f"/board/{FORM}/2026Q1"):
        page.goto(base + url)
        text = page.inner_text("main")
        assert "is not a period of this form" in text, text
        only_in(text, "en")
        assert "H1 2026" in page.inner_text("#choices")
        assert fits(page)
    shot(page, tmp_path, "mistyped-period-en")
    page.goto(f"{base}{BASE[:-6]}2026Q1")
    page.click("#choices a >> nth=0")
    page.wait_for_url(re.compile(r"/entry/TTTT-6T/01@34/2026S1"))
    page.context.close()


@pytest.mark.parametrize(("lang", "size"), [("vi", DESKTOP), ("en", PHONE)], ids=["vi", "en"])
def test_a_txt_upload_is_told_beside_the_upload_control_and_typed_values_stay(
    site, lang, size, tmp_path
):
    """The defect: a separate error page, away from the form, the typed values gone."""
    env, base, browser = site
    page = signed_in(browser, base, lang, size)
    page.goto(base + ESTIMATE)
    typed = "15.000,5" if lang == "vi" else "15,000.5"
    page.fill("#v__ICT_GDP", typed)
    page.fill("#c__ICT_GDP", "chưa lưu")
    before = stored(env, "ICT_GDP", "estimate")
    send(page, "so-lieu.txt", b"ICT_GDP 15000")
    assert "/entry/" in page.url and page.locator("#entry").count() == 1  # the form's page
    problem = page.locator("#upload-result #upload-problem")
    assert problem.is_visible()
    text = problem.inner_text()
    assert "so-lieu.txt" in text and ".txt" in text
    only_in(page.inner_text("#upload-result"), lang)
    assert page.evaluate("document.activeElement.id") == "upload-problem"  # told first
    described = page.get_attribute("#upload input[type=file]", "aria-describedby")
    assert described == "upload-problem"
    assert page.input_value("#v__ICT_GDP") == typed  # what was typed is still there
    assert page.input_value("#c__ICT_GDP") == "chưa lưu"
    assert stored(env, "ICT_GDP", "estimate") == before
    assert fits(page) and not axe(page)
    shot(page, tmp_path, f"txt-upload-{lang}")
    page.click("button[value=save]")  # and it saves from there, as typed
    page.wait_for_selector(".alert.ok")
    assert stored(env, "ICT_GDP", "estimate") == 15000.5
    page.context.close()


def test_an_edited_period_cell_is_the_cell_named(site, tmp_path):
    _env, base, browser = site
    page = signed_in(browser, base, "vi", DESKTOP)
    page.goto(base + ACTUAL)
    wb = template(page, base, ACTUAL)
    ws = wb["Số liệu"]
    ws.protection.sheet = False
    ws["H3"], ws["F3"] = 5, "2026S2"  # row 3: the state budget, its period changed
    upload(page, wb)
    cells = page.locator("#upload-errors td.cell").all_inner_texts()
    assert cells == ["F3"], cells  # the period's cell, not the unit's (D3) nor the code's (A3)
    told = page.inner_text("#upload-errors")
    assert "Ô kỳ báo cáo ghi 6 tháng cuối năm 2026" in told and "6 tháng đầu năm 2026" in told
    shot(page, tmp_path, "period-cell")
    page.context.close()


def test_re_uploading_ones_own_file_is_no_conflict(site, tmp_path):
    """The defect: uploading one's file again, one value corrected, said someone else had
    changed the report."""
    env, base, browser = site
    page = signed_in(browser, base, "en", DESKTOP)
    page.goto(base + ACTUAL)
    wb = template(page, base, ACTUAL)
    ws = wb["Số liệu"]
    ws["H2"], ws["H3"], ws["H4"], ws["H5"] = 1000, 2000, 3000, 4000
    upload(page, wb)
    page.wait_for_selector(".alert.ok")
    ws["H3"] = 2500  # corrected in the same file
    upload(page, wb)
    assert page.locator("#conflicts").count() == 0, page.inner_text("main")[:600]
    assert page.locator("#problem, #upload-problem").count() == 0
    page.wait_for_selector(".alert.ok")
    assert stored(env, "ICT_BUDGET") == 2500 and stored(env, "ICT_REVENUE") == 1000
    shot(page, tmp_path, "re-upload")
    page.context.close()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_names_not_codes_in_the_empty_submit_and_the_audit(site, lang, tmp_path):
    _env, base, browser = site
    page = signed_in(browser, base, lang, PHONE)
    url = f"/entry/{FORM}/{UNIT}/2026S2?round=estimate"
    page.goto(base + url)
    page.fill("#v__ICT_GDP", "12")
    page.click("button[value=submit]")
    page.wait_for_selector("#problem")
    told = page.inner_text("#problem") + " ".join(page.locator(".field-error").all_inner_texts())
    assert "ICT_" not in told, told
    name = "Nộp ngân sách nhà nước" if lang == "vi" else "State budget contribution"
    assert name in told
    only_in(told, lang)
    shot(page, tmp_path, f"empty-submit-{lang}")
    page.goto(base + url.replace("?", "/audit?"))
    audit = page.inner_text("#audit")
    assert "ICT_" not in audit and ("Đóng góp vào GDP" in audit or "contribution to GDP" in audit)
    assert fits(page)
    shot(page, tmp_path, f"audit-{lang}")
    page.context.close()


@pytest.mark.parametrize("size", SIZES, ids=["desktop", "phone"])
def test_the_english_board_is_english_whichever_language_came_first(site, size, tmp_path):
    """The defect: the board in English said "đúng hạn" and named units in Vietnamese (a word
    of constants was folded into the compiled page in the first request's language)."""
    _env, base, browser = site
    pages = {}
    for lang in ("vi", "en"):
        page = signed_in(browser, base, lang, size, "analyst")
        page.goto(f"{base}/board/{FORM}/{PERIOD}?round=actual")
        pages[lang] = page
    en = pages["en"].inner_text("main")
    assert "on time" in pages["en"].inner_text("#timeliness")
    only_in(en, "en")
    assert "Tỉnh" not in en and "Thành phố" not in en and "Ha Noi" in en
    vi = pages["vi"].inner_text("main")
    assert "đúng hạn" in pages["vi"].inner_text("#timeliness") and "on time" not in vi
    assert "Thành phố Hà Nội" in vi
    for lang, page in pages.items():
        assert fits(page)
        shot(page, tmp_path, f"board-{lang}")
        page.context.close()


def tab_to(page: Any, selector: str, limit: int = 60, key: str = "Tab") -> int:
    """Press Tab (or ``key``) until the element ``selector`` has the focus; the number of
    stops."""
    for stops in range(1, limit + 1):
        page.keyboard.press(key)
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return stops
    raise AssertionError(f"{selector} is not reached by Tab in {limit} stops")


@pytest.mark.parametrize("size", SIZES, ids=["desktop", "phone"])
def test_keyboard_alone_uploads_opens_the_board_and_picks_in_the_queue(site, size, tmp_path):
    """Every page these fixes touch is used with the keyboard alone: the upload (the file
    chosen, sent and its refusal read, focus on it), the board's links, the queue's ticks and
    bulk action (which first asks to confirm: nothing is done here)."""
    _env, base, browser = site
    page = signed_in(browser, base, "vi", size)
    page.goto(base + ESTIMATE)
    tab_to(page, "#upload input[type=file]")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(files=[{"name": "x.txt", "mimeType": "text/plain", "buffer": b"x"}])
    tab_to(page, "#upload button[type=submit]", 3)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "upload-problem"
    assert "x.txt" in page.inner_text("#upload-problem")
    page.goto(f"{base}/board/{FORM}/{PERIOD}?round=actual")
    tab_to(page, "#board a")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/entry/TTTT-6T/01@34/2026S1" in page.url
    page.context.close()
    page = signed_in(browser, base, "vi", size, "analyst")
    page.goto(f"{base}/queue?form={FORM}&period={PERIOD}")
    tab_to(page, "#pick-1")
    page.keyboard.press("Space")
    assert page.is_checked("#pick-1")
    # the actions sit above the list (not after 68 rows of ticks and links)
    assert tab_to(page, "#bulk button[value=return]", 4, "Shift+Tab") <= 3
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#bulk-plan").count() == 1 and fits(page)  # the confirmation first
    shot(page, tmp_path, "queue-keyboard")
    page.context.close()
