"""The bell and the notices on the web, on SQLite and PostgreSQL: a return, an acceptance and
an approval made through the API give the right accounts notices; the API lists them and marks
them read; the page lists them, marks them read and opens the report; the header's bell counts
the unread ones; one account cannot see or mark another's. And in real Chromium: the bell's
figure after the head returns the report, and after the reporter reads the notice."""

from __future__ import annotations

import re
import shutil

import pytest
from tests.chromium import CHROMIUM_ARGS
from tests.web.conftest import FORM, OWN, PASSWORD, csrf

PERIOD, ROUND = "2026S1", "estimate"
SUB = f"/api/v1/submissions/{FORM}/{OWN}/{PERIOD}"
START = {"ICT_REVENUE": 100, "ICT_BUDGET": 10, "ICT_GDP": 41900, "ICT_LABOUR": 500}
WHY = "Số lao động chưa khớp với quý II"


def _act(web, who: str, action: str, comment: str | None = None):  # type: ignore[no-untyped-def]
    body = {"comment": comment} if comment else {}
    r = web.api(who).post(f"{SUB}/{action}?round={ROUND}", json=body)
    assert r.status_code == 200, r.text
    return r


def _submitted(web) -> None:  # type: ignore[no-untyped-def]
    rep = web.api("reporter")
    v = rep.get(f"{SUB}?round={ROUND}").json()["submission"]["version"]
    assert rep.put(f"{SUB}?round={ROUND}", json={"values": START, "version": v}).status_code == 200
    _act(web, "reporter", "submit")


def _bell(html: str) -> int:
    m = re.search(r'<span id="bell-count">(\d+)</span>', html)
    assert m, html[:800]
    return int(m.group(1))


def test_notices_through_the_api_the_page_and_the_bell(web):
    _submitted(web)
    head = web.api("head").get("/api/v1/notices").json()
    assert head["unread"] == 1 and [n["kind"] for n in head["notices"]] == ["submit"]
    assert head["notices"][0]["text"]["en"] == "Ha Noi submitted a report — waiting for you"
    _act(web, "head", "return", WHY)

    rep = web.api("reporter")
    got = rep.get("/api/v1/notices").json()
    assert got["unread"] == 1
    (n,) = got["notices"]
    assert (n["kind"], n["actor"], n["comment"], n["read"]) == ("return", "head", WHY, False)
    assert n["link"] == f"/entry/{FORM}/{OWN}/{PERIOD}?round={ROUND}"
    assert n["text"]["vi"] == "Báo cáo của Thành phố Hà Nội bị trả lại"

    # the bell in the header of every page, for the signed-in account
    page = web.browser("reporter")
    assert _bell(page.get("/").text) == 1
    listing = page.get("/notices").text
    assert WHY in listing and 'class="notice unread"' in listing

    # another account's notice is nobody else's business: 404, nothing changes
    assert web.api("head").post(f"/api/v1/notices/{n['id']}/read").status_code == 404
    assert web.api("head").post("/api/v1/notices/99999999999999999999/read").status_code in (
        404,
        422,
    )
    r = rep.post(f"/api/v1/notices/{n['id']}/read")
    assert r.status_code == 200 and r.json()["notice"]["read"] is True and r.json()["unread"] == 0
    assert _bell(page.get("/").text) == 0
    assert rep.get("/api/v1/notices?unread=true").json()["notices"] == []

    # the page: open a notice (read, and on to the report), mark all read
    _act(web, "reporter", "submit")
    _act(web, "head", "accept")
    _act(web, "analyst", "approve")
    assert [x["kind"] for x in rep.get("/api/v1/notices").json()["notices"]] == [
        "approve", "accept", "return",
    ]  # fmt: skip
    assert _bell(page.get("/").text) == 2
    first = rep.get("/api/v1/notices").json()["notices"][0]
    opened = page.get(f"/notices/{first['id']}/open", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == first["link"]
    assert _bell(page.get("/").text) == 1
    token = csrf(page, "/notices")
    r = page.post("/notices/read", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and _bell(page.get("/notices").text) == 0
    assert page.post("/notices/read", data={}).status_code == 403  # no form token: refused


def test_anonymous_requests_get_no_notices(web):
    assert web.api().get("/api/v1/notices").status_code == 401
    assert web.api().post("/api/v1/notices/1/read").status_code == 401


@pytest.mark.browser
def test_the_bell_counts_in_the_browser(tmp_path):
    from playwright.sync_api import sync_playwright
    from tests.web.conftest import make_env
    from tests.web.live import LiveServer

    url = f"sqlite:///{tmp_path / 'bell.db'}"
    env = make_env(url)
    _submitted(env)
    env.store.engine.dispose()
    server = LiveServer(url)
    exe = shutil.which("chromium")
    assert exe, "Debian's chromium is not installed (scripts/setup.sh installs it)"
    base = f"http://127.0.0.1:{server.port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(base + "/login")
            page.fill("input[name=username]", "reporter")
            page.fill("input[name=password]", PASSWORD)
            page.click("form[action='/login'] button[type=submit]")
            page.wait_for_url(base + "/")
            assert page.inner_text("#bell-count") == "0"
            _return_over_http(base, env.tokens["head"])
            page.reload()
            assert page.inner_text("#bell-count") == "1"
            page.click("#bell")
            page.wait_for_url(base + "/notices")
            assert WHY in page.inner_text("#notices")
            page.screenshot(path=str(tmp_path / "notices.png"), full_page=True)
            page.click(".notice-open")
            page.wait_for_url(f"**/entry/{FORM}/{OWN}/{PERIOD}?round={ROUND}")
            assert page.inner_text("#bell-count") == "0"
            browser.close()
    finally:
        server.stop()


def _return_over_http(base: str, token: str) -> None:
    import httpx

    r = httpx.post(
        f"{base}{SUB}/return?round={ROUND}",
        json={"comment": WHY},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200, r.text
