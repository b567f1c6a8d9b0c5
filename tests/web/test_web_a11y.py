"""Accessibility (issue 19): axe-core (vendored, tests/vendor/axe-core) on every page a person
opens, at 1366×800 and 390×844, in Debian's Chromium; the test fails on any critical or serious
violation, and on a page wider than the phone. On SQLite (reading pages)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.web.browsing import DESKTOP, PHONE, axe, chromium, context, fits, serve, sign_in
from tests.web.conftest import FORM, OWN, PASSWORD, WebEnv, make_env

pytestmark = pytest.mark.browser
ENTRY = f"/entry/{FORM}/{OWN}/2026S1"
#: every page, by the role that opens it
PAGES = {
    "reporter": ["/", ENTRY, ENTRY + "/audit", f"/history/ICT_REVENUE/{OWN}/2025S1",
                 f"/board/{FORM}/2026S1", "/account", f"/entry/{FORM}/{OWN}/2026Q1"],
    "analyst": ["/", "/queue", f"/queue?form={FORM}&period=2026S1&state=not_started",
                ENTRY],
    # administration (issue 19 item 4; its walk with the second factor's screens:
    # tests/web/test_web_admin_browser.py)
    "admin": ["/admin/users", "/admin/users/reporter", "/admin/tokens", "/admin/forms",
              "/admin/settings", "/admin/viewer-links", "/account/2fa"],
}  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WebEnv, str, Any]]:
    env = make_env(f"sqlite:///{tmp_path_factory.mktemp('a11y') / 'w.db'}")
    with serve(env.store) as base, chromium() as browser:
        yield env, base, browser
    env.store.engine.dispose()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1366x800", "390x844"])
def test_no_critical_or_serious_violation_on_any_page(site, size, tmp_path):
    _env, base, browser = site
    found: dict[str, Any] = {}
    for role, paths in PAGES.items():
        ctx = context(browser, size)
        page = ctx.new_page()
        sign_in(page, base, role, PASSWORD, "vi")
        for path in paths:
            page.goto(base + path)
            bad = axe(page)
            if bad:
                found[f"{role} {path}"] = bad
            if size == PHONE:
                assert fits(page), f"{path} is wider than the phone"
            name = path.strip("/").replace("/", "_").replace("?", "_") or "home"
            page.screenshot(path=str(tmp_path / f"{role}-{name}.png"), full_page=True)
        ctx.close()
    login = context(browser, size).new_page()
    login.goto(base + "/login")
    if bad := axe(login):
        found["/login"] = bad
    login.context.close()
    assert not found, found


def test_axe_finds_what_the_old_entry_page_had(site):
    """The check itself: an unlabelled comment box (the old entry page's critical ``label``
    violation) and a scrolling table no keyboard reaches are found."""
    _env, _base, browser = site
    page = context(browser, PHONE).new_page()
    page.set_content(
        '<html lang="vi"><title>t</title><main><input name="c__X">'
        '<div style="width:100px;overflow:auto"><table><tr><td style="white-space:nowrap">'
        + "x" * 200
        + "</td></tr></table></div></main></html>"
    )
    ids = {v["id"] for v in axe(page)}
    assert {"label", "scrollable-region-focusable"} <= ids, ids
    page.context.close()


#: the dashboard's pages (issue 20), on the demo's figures, as the ministry's analyst sees them
DASHBOARD_PAGES = [
    "/dashboard?period=2023S1",
    "/dashboard?period=2023S1&unit=79%4034&show=map",
    "/dashboard?period=2023S1&boundaries=as_reported&show=map&measure=change",
    "/dashboard/pivot?period=2023S1&indicator=ICT_REVENUE",
    "/dashboard/indicator/ICT_REVENUE",
    "/report?period=2023S1",
    "/conference/2023S1",  # the conference board (issue 22), its first view
]


@pytest.fixture(scope="module")
def demo_site(site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """The demo's figures on a second server; the module's one browser (one Playwright per
    thread)."""
    from chitieu.demo.build import load_demo

    browser = site[2]
    env = make_env(f"sqlite:///{tmp_path_factory.mktemp('a11y-demo') / 'd.db'}")
    load_demo(env.store)
    with serve(env.store) as base:
        yield base, browser
    env.store.engine.dispose()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1366x800", "390x844"])
def test_no_critical_or_serious_violation_on_the_dashboard_map_pivot_and_report(
    demo_site, size, tmp_path
):
    base, browser = demo_site
    ctx = context(browser, size)
    page = ctx.new_page()
    sign_in(page, base, "analyst", PASSWORD, "vi")
    found: dict[str, Any] = {}
    for path in DASHBOARD_PAGES:
        page.goto(base + path)
        if bad := axe(page):
            found[path] = bad
        if size == PHONE:
            assert fits(page), f"{path} is wider than the phone"
        name = path.strip("/").replace("/", "_").replace("?", "_").replace("&", "_")[:80]
        page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
    ctx.close()
    assert not found, found
