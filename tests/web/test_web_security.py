"""Nothing lost, nobody let in (issue 11, finding 9 and the headers of finding 4): sessions
that end on sign-out and on a password change in every server process, token revocation (CLI
and web), disabled accounts that stay locked out when enabled again, a sign-in throttle shared
by the processes and counted per address over every name, separation of duties on approval,
and security headers on every response (both backends where the store is involved)."""

from __future__ import annotations

import json
import re
import warnings
from datetime import datetime

import pytest
from tests.test_cli import run
from tests.web.conftest import FORM, OWN, PASSWORD, PERIOD, WebEnv, csrf
from tests.web.test_web_browser import browser, server  # noqa: F401 - fixtures

from chitieu.store.values import Store
from chitieu.web.accounts import Accounts
from chitieu.web.app import SECURITY_HEADERS, all_routes, create_app
from chitieu.web.events import StreamSettings

warnings.filterwarnings("ignore", message=".*httpx2.*")
from fastapi.testclient import TestClient  # noqa: E402

BASE = f"/api/v1/submissions/{FORM}/{OWN}/{PERIOD}"
ENTRY = f"/entry/{FORM}/{OWN}/{PERIOD}"
VALUES = {"ICT_REVENUE": 10, "ICT_BUDGET": 1, "ICT_GDP": 2, "ICT_LABOUR": 3}


def _cookie_client(app, client: TestClient) -> TestClient:  # type: ignore[no-untyped-def]
    """Another browser holding a copy of ``client``'s cookies (e.g. stolen before sign-out)."""
    return TestClient(app, cookies=dict(client.cookies.items()))


def _signed_in(c: TestClient) -> bool:
    r = c.get("/account", follow_redirects=False)  # a viewer's "/" is the dashboard: a 303
    return r.status_code == 200


def _login(c: TestClient, user: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    tok = csrf(c, "/login")
    return c.post(
        "/login",
        data={"username": user, "password": password, "csrf_token": tok},
        follow_redirects=False,
    )


def test_a_cookie_copied_before_sign_out_is_refused_after(web):
    """Before: Starlette's cookie session was stateless, so a copy of the cookie kept working
    for up to 10 hours after signing out."""
    c = web.browser("reporter")
    stolen = _cookie_client(web.app, c)
    assert _signed_in(stolen)
    c.post("/logout", data={"csrf_token": csrf(c)}, follow_redirects=False)
    r = stolen.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert stolen.get("/api/v1/me").status_code == 401  # the API refuses the cookie too
    assert not _signed_in(c)


def test_a_password_change_signs_out_the_other_sessions(web):
    here, there = web.browser("reporter"), web.browser("reporter")
    other_user = web.browser("viewer")
    r = here.post(
        "/account/password",
        data={"csrf_token": csrf(here, "/account"), "current": PASSWORD,
              "new": "a-new-long-password", "repeat": "a-new-long-password"},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/account?done=password"
    shown = here.get("/lang/en", params={"next": "/account?done=password"}).text
    assert "your other sessions were signed out" in shown
    assert _signed_in(here) and not _signed_in(there) and _signed_in(other_user)
    assert _login(TestClient(web.app), "reporter").status_code == 400  # the old password
    assert _login(TestClient(web.app), "reporter", "a-new-long-password").status_code == 303
    # a wrong current password changes nothing, with a clear message in the page's language
    bad = here.post(
        "/account/password",
        data={"csrf_token": csrf(here, "/account"), "current": "nope-nope",
              "new": "x" * 12, "repeat": "x" * 12},
    )  # fmt: skip
    assert bad.status_code == 400 and "current password is wrong" in bad.text
    # an administrator's reset (`chitieu users password`) signs every session out
    assert Accounts(web.store).set_password("reporter", "third-password!") >= 1
    assert not _signed_in(here)


def test_two_server_processes_share_sign_out_and_the_throttle(web):
    """Two apps on two Store objects of one database stand for two worker processes: a
    sign-out in one holds in the other, and failures counted by each add up."""
    second = create_app(store=Store(web.store.url))
    try:
        c = web.browser("reporter")
        copy = _cookie_client(second, c)
        assert _signed_in(copy)  # the same session, served by the other process
        c.post("/logout", data={"csrf_token": csrf(c)}, follow_redirects=False)
        assert not _signed_in(copy)
        one, two = TestClient(web.app), TestClient(second)
        for n in range(5):
            r = _login(one if n % 2 else two, "viewer", "wrong password")
            assert r.status_code == 400
        r = _login(one, "viewer")  # the right password, but locked out by both processes
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 800
        assert _login(two, "viewer").status_code == 429
    finally:
        second.state.store.engine.dispose()


def test_spraying_one_password_across_20_accounts_is_throttled(web):
    """Before: the throttle counted per user name and address only, so one password tried on
    many accounts was never stopped."""
    accounts = Accounts(web.store)
    names = [f"so{n:02d}" for n in range(20)]
    for name in names:
        accounts.add(name, PASSWORD, "viewer")
    attacker = TestClient(web.app, client=("203.0.113.7", 40000))
    for name in names:
        assert _login(attacker, name, "Mua-xuan-2026").status_code == 400
    r = _login(attacker, "admin")  # even a right password, from that address
    assert r.status_code == 429 and "Retry-After" in r.headers
    assert "quá nhiều lần" in r.text
    other = TestClient(web.app, client=("198.51.100.2", 40000))
    assert _login(other, "admin").status_code == 303  # another address is not locked out


def test_tokens_are_revoked_from_the_cli(web):
    url = web.store.url
    listed = json.loads(run("tokens", "list", "viewer", "--json", db=url).stdout)["tokens"]
    assert [t["user"] for t in listed] == ["viewer"] and listed[0]["revoked"] is False
    assert "token_hash" not in listed[0] and web.tokens["viewer"] not in json.dumps(listed)
    assert web.api("viewer").get("/api/v1/me").status_code == 200
    out = json.loads(run("tokens", "revoke", str(listed[0]["id"]), "--json", db=url).stdout)
    assert out["token"]["revoked"] is True and out["token"]["revoked_by"] == "cli"
    assert web.api("viewer").get("/api/v1/me").status_code == 401  # at once, in this process
    second = json.loads(run("tokens", "add", "analyst", "--json", db=url).stdout)["token"]
    out = json.loads(run("tokens", "revoke", "--all", "analyst", "--json", db=url).stdout)
    assert out["revoked"] == 2
    for token in (web.tokens["analyst"], second):
        client = TestClient(web.app, headers={"Authorization": f"Bearer {token}"})
        assert client.get("/api/v1/me").status_code == 401
    unknown = run("tokens", "revoke", "9999", "--json", db=url, check=False)
    assert unknown.returncode == 1
    text = json.loads(unknown.stdout)["text"]
    assert "9999" in text["vi"]["error"] and "9999" in text["en"]["error"]
    neither = run("tokens", "revoke", "--json", db=url, check=False)
    assert neither.returncode == 1 and "--all" in json.loads(neither.stdout)["hint"]
    everyone = json.loads(run("tokens", "list", "--json", db=url).stdout)["tokens"]
    assert {t["user"] for t in everyone} == {"admin", "analyst", "reporter", "head", "viewer"}


def _token_ids(page_text: str) -> set[int]:
    return {int(n) for n in re.findall(r'id="token-(\d+)"', page_text)}


def test_tokens_are_seen_and_revoked_on_the_account_page(web):
    accounts = Accounts(web.store)
    ids = {t.username: t.id for t in accounts.tokens()}
    rep = web.browser("reporter")
    assert _token_ids(rep.get("/account").text) == {ids["reporter"]}  # only its own
    tok = csrf(rep, "/account")
    other = rep.post(f"/account/tokens/{ids['viewer']}/revoke", data={"csrf_token": tok})
    assert other.status_code == 403
    assert web.api("viewer").get("/api/v1/me").status_code == 200
    assert rep.post("/account/tokens/9999/revoke", data={"csrf_token": tok}).status_code == 404
    own = rep.post(
        f"/account/tokens/{ids['reporter']}/revoke",
        data={"csrf_token": tok},
        follow_redirects=False,
    )
    assert own.status_code == 303
    assert web.api("reporter").get("/api/v1/me").status_code == 401
    admin = web.browser("admin")
    page = admin.get("/account").text
    assert _token_ids(page) == set(ids.values())  # everyone's
    r = admin.post(f"/account/tokens/{ids['viewer']}/revoke", data={"csrf_token": csrf(admin)})
    assert r.status_code == 200 and "revoked" in r.url.query.decode()
    assert web.api("viewer").get("/api/v1/me").status_code == 401
    (row,) = [t for t in accounts.tokens("viewer")]
    assert row.revoked and row.revoked_by == "admin" and row.revoked_at is not None


def test_disabling_revokes_tokens_and_sessions_and_enabling_brings_neither_back(web):
    """Before: enabling an account again brought all its old tokens back."""
    accounts = Accounts(web.store)
    c = web.browser("viewer")
    assert web.api("viewer").get("/api/v1/me").status_code == 200
    accounts.set_active("viewer", False)
    assert web.api("viewer").get("/api/v1/me").status_code == 401
    assert not _signed_in(c)
    accounts.set_active("viewer", True)
    assert web.api("viewer").get("/api/v1/me").status_code == 401
    assert not _signed_in(c)
    (row,) = accounts.tokens("viewer")
    assert row.revoked and row.revoked_by == "disabled"
    fresh = accounts.add_token("viewer", "after")
    api = TestClient(web.app, headers={"Authorization": f"Bearer {fresh}"})
    assert api.get("/api/v1/me").status_code == 200
    assert _login(TestClient(web.app), "viewer").status_code == 303


def _fill_and_submit(client: TestClient) -> None:
    v = client.get(BASE).json()["submission"]["version"]
    assert client.put(BASE, json={"values": VALUES, "version": v}).status_code == 200
    assert client.post(BASE + "/submit", json={}).status_code == 200


def test_whoever_entered_or_submitted_a_report_may_not_approve_it(web):
    """Before: one analyst could enter, submit and approve the same report. Four eyes now hold
    at each level: the head accepts, another analyst approves."""
    Accounts(web.store).add("analyst2", PASSWORD, "analyst")
    ana, admin, head = web.api("analyst"), web.api("admin"), web.api("head")
    _fill_and_submit(ana)  # the ministry may enter a unit's values, then it may not approve
    assert head.post(BASE + "/accept", json={}).status_code == 200
    r = ana.post(BASE + "/approve", json={})
    assert r.status_code == 403 and "tách bạch nhiệm vụ" in r.json()["error"]
    assert "chuyên viên khác" in r.json()["hint"]
    english = TestClient(web.app, headers=dict(ana.headers), cookies={"chitieu_lang": "en"})
    r = english.post(BASE + "/approve", json={})
    assert "separation of duties" in r.json()["error"] and "another analyst" in r.json()["hint"]
    # the page shows the same refusal on the entry page
    page = web.browser("analyst")
    shown = page.post(ENTRY + "/approve", data={"csrf_token": csrf(page, ENTRY)})
    assert shown.status_code == 403 and "tách bạch nhiệm vụ" in shown.text
    assert ana.get(BASE).json()["submission"]["status"] == "accepted"
    # a second analyst may; administrators are bound by the same rule when they entered values
    second = TestClient(web.app, headers={"Authorization": f"Bearer {_token(web, 'analyst2')}"})
    r = second.post(BASE + "/approve", json={})
    assert r.status_code == 200 and r.json()["submission"]["status"] == "approved"
    assert admin.post(BASE + "/reopen", json={"comment": "sửa lại"}).status_code == 200
    v = admin.get(BASE).json()["submission"]["version"]
    fixed = admin.put(BASE, json={"values": {"ICT_LABOUR": 4}, "version": v})
    assert fixed.status_code == 200
    assert web.api("reporter").post(BASE + "/submit", json={}).status_code == 200
    assert admin.post(BASE + "/accept", json={}).status_code == 403  # it wrote ICT_LABOUR
    assert head.post(BASE + "/accept", json={}).status_code == 200
    assert admin.post(BASE + "/approve", json={}).status_code == 403  # it wrote ICT_LABOUR
    assert ana.post(BASE + "/approve", json={}).status_code == 403  # its values are current
    assert second.post(BASE + "/approve", json={}).status_code == 200


def test_whoever_accepted_a_report_may_not_approve_it(web):
    """An administrator may stand in for a province's head, but then not also approve."""
    _fill_and_submit(web.api("reporter"))
    admin = web.api("admin")
    assert admin.post(BASE + "/accept", json={}).status_code == 200
    r = admin.post(BASE + "/approve", json={})
    assert r.status_code == 403 and "cấp Sở" in r.json()["error"]
    assert web.api("analyst").post(BASE + "/approve", json={}).status_code == 200


def test_a_reporter_s_submission_is_accepted_by_its_head_and_approved_by_an_analyst(web):
    _fill_and_submit(web.api("reporter"))
    assert web.api("head").post(BASE + "/accept", json={}).status_code == 200
    r = web.api("analyst").post(BASE + "/approve", json={})
    assert r.status_code == 200 and r.json()["submission"]["status"] == "approved"


def _token(web: WebEnv, user: str) -> str:
    if user not in web.tokens:
        web.tokens[user] = Accounts(web.store).add_token(user, "tests")
    return web.tokens[user]


#: pages that may send a stricter Referrer-Policy than the app's: the conference board and
#: its stream, whose address once held a viewer link's token (web/routes/conference.py)
NO_REFERRER = ("/conference/",)


def _check_headers(r, where: str) -> None:  # type: ignore[no-untyped-def]
    for name, value in SECURITY_HEADERS.items():
        got = r.headers.get(name)
        if name == "Referrer-Policy" and any(p in where for p in NO_REFERRER):
            # the board itself says no-referrer; a refusal before it (sign-in) the app's
            assert got in ("no-referrer", value), (where, r.status_code, name)
            continue
        assert got == value, (where, r.status_code, name)


def test_security_headers_on_every_route_static_file_and_error(web_sqlite):
    env = web_sqlite
    csp = SECURITY_HEADERS["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert SECURITY_HEADERS["X-Content-Type-Options"] == "nosniff"
    assert SECURITY_HEADERS["Referrer-Policy"]
    # the board's event stream ends after sending the board (its lifetime 0), so that its
    # whole answer can be read like any other route's
    env.app.state.hub.settings = StreamSettings(lifetime=0)
    page, api, anon = env.browser("admin"), env.api("admin"), TestClient(env.app)
    params = {"form": FORM, "unit": OWN, "period": PERIOD, "indicator": "ICT_REVENUE",
              "code": "en", "action": "approve", "token_id": "1", "index": "0",
              "view_id": "1", "flow": "DF_CHITIEU", "notice_id": "1",
              "username": "viewer", "link_id": "1"}  # fmt: skip
    seen = 0
    #: these would sign the page client out or revoke the API client's token: anonymous only
    ending = {("POST", "/logout"), ("POST", "/account/tokens/{token_id}/revoke")}
    for route in all_routes(env.app):
        path = getattr(route, "path", "")
        for method in sorted(getattr(route, "methods", None) or ()):
            if method == "HEAD":
                continue
            url = re.sub(r"\{(\w+)\}", lambda m: params[m.group(1)], path)
            client = api if path.startswith("/api/") else page
            for who in (anon,) if (method, path) in ending else (client, anon):
                r = who.request(method, url, params={"period": PERIOD}, follow_redirects=False)
                _check_headers(r, f"{method} {path}")
                seen += 1
    extra = ["/static/style.css", "/static/entry.js", "/nope", "/api/v1/nope"]
    extra += ["/vendor/plotly-styles.js", "/vendor/plotly-0.css", "/vendor/plotly-9.css"]
    for url in extra:
        _check_headers(anon.get(url), url)
    assert seen > 70


def test_plotly_style_sheets_are_files_of_the_installed_plotly(web_sqlite):
    """plotly.js writes its style sheets as inline <style> elements, which the CSP refuses;
    they are served as files, and the loader links them under the ids plotly.js looks for."""
    from chitieu.web.plotly_css import sheets

    got = sheets()
    assert got[0].element_id == "plotly.js-style-global" and ".modebar" in got[0].css
    anon = TestClient(web_sqlite.app)
    loader = anon.get("/vendor/plotly-styles.js")
    assert loader.headers["content-type"].startswith("text/javascript")
    for i, sheet in enumerate(got):
        assert json.dumps(sheet.element_id) in loader.text
        r = anon.get(f"/vendor/plotly-{i}.css")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")
        assert r.text == sheet.css
    assert anon.get(f"/vendor/plotly-{len(got)}.css").status_code == 404
    dash = web_sqlite.browser("analyst").get("/dashboard", params={"period": "2025S1"}).text
    assert "plotly" not in dash  # the dashboard's charts are SVG drawn on the server
    assert ' style="' not in dash and "<style" not in dash


def test_tokens_of_accounts_disabled_before_the_upgrade_are_revoked_by_it(db_url):
    """Migration 0008: an account disabled under 0007 kept valid tokens (enabling it again
    brought them back); the upgrade revokes them."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from chitieu.store.db import _alembic_config

    engine = create_engine(db_url)
    with engine.begin() as conn:
        cfg = _alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0007")
        conn.execute(
            text(
                "INSERT INTO web_account (id, username, display_name, role, password_hash, "
                "active, lang, created_at) VALUES (1, 'off', 'off', 'viewer', 'x', :f, 'vi', "
                ":t), (2, 'on', 'on', 'viewer', 'x', :t1, 'vi', :t)"
            ),
            {"f": False, "t1": True, "t": datetime(2026, 1, 1)},
        )
        conn.execute(
            text(
                "INSERT INTO web_api_token (account_id, label, token_hash, created_at, revoked) "
                "VALUES (1, 'a', 'h1', :t, :f), (2, 'b', 'h2', :t, :f)"
            ),
            {"f": False, "t": datetime(2026, 1, 1)},
        )
    engine.dispose()
    store = Store(db_url)  # migrates to the head
    try:
        rows = {t.username: t for t in Accounts(store).tokens()}
        assert rows["off"].revoked and rows["off"].revoked_by == "disabled"
        assert not rows["on"].revoked
    finally:
        store.engine.dispose()


@pytest.mark.parametrize("wait", [5, 20])
def test_the_throttle_tells_how_long_to_wait(web_sqlite, wait):
    from chitieu.web.errors import TooManyAttempts
    from chitieu.web.sessions import LoginThrottle

    throttle = LoginThrottle(web_sqlite.store, per_name=wait, per_address=100, window=60)
    for _ in range(wait):
        throttle.check("Ana", "10.0.0.1")
        throttle.failed("Ana", "10.0.0.1")
    with pytest.raises(TooManyAttempts) as got:
        throttle.check("ana ", "10.0.0.1")  # the same name, normalised
    assert 50 <= got.value.extra["retry_after"] <= 61
    throttle.check("ana", "10.0.0.2")  # another address
    throttle.succeeded("ana", "10.0.0.1")
    throttle.check("ana", "10.0.0.1")  # a sign-in clears the pair


CSP_PROBE = """document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI + " at " +
                e.sourceFile + ":" + e.lineNumber);
});"""


@pytest.mark.browser
def test_pages_load_in_chromium_without_a_csp_violation_and_charts_draw(server, browser):  # noqa: F811
    """Before: style-src allowed 'unsafe-inline' because plotly.js writes <style> elements;
    now no page, chart, hover label or mode bar needs an inline style or script."""
    from tests.web.test_web_browser import sign_in

    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.add_init_script(CSP_PROBE)
    page = ctx.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"{page.url}: {m.text}") if m.type == "error"
            and "status of 404" not in m.text else None)  # fmt: skip
    page.on("pageerror", lambda e: problems.append(f"{page.url}: {e}"))
    page.goto(server + "/login")
    sign_in(page, server, "analyst", "analyst-demo-2023")
    entry = "/entry/TTTT-6T/01@34/2026S1"
    for path in ("/", entry, entry + "/audit", "/history/ICT_REVENUE/01@34/2026S1",
                 "/board/TTTT-6T/2026S1", "/account", "/no-such-page"):  # fmt: skip
        page.goto(server + path)
    page.goto(server + "/dashboard?period=2023S1")
    page.wait_for_selector("#chart-series svg.svgchart")
    page.goto(server + "/dashboard?period=2023S1&show=map")
    page.wait_for_selector("#map svg.tilemap a[data-unit]")
    assert page.locator("style").count() == 0  # nothing wrote a <style> element
    page.goto(server + "/report?period=2023S1")
    page.wait_for_selector(".report svg.svgchart")
    page.goto(server + "/login")  # signed in: back to the start page
    assert not problems, problems
    ctx.close()
