"""Administration in the browser and the second factor (issue 19 item 4), walked in Debian's
Chromium at 1366×800 and 390×844 with screenshots: an administrator adds an account by keyboard
alone, changes its role, issues and revokes a token, overrides a deadline, requires the second
factor of approvers; an analyst is made to enrol at sign-in and signs in with a code next time.
axe-core finds no critical or serious violation on any of these screens, none is wider than
the phone. On SQLite (the write paths' other backend: tests/web/test_web_admin.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from tests.web.browsing import DESKTOP, PHONE, axe, chromium, context, fits, serve, sign_in
from tests.web.conftest import FORM, OWN, PASSWORD, WebEnv, make_env

from chitieu.web.accounts import Accounts
from chitieu.workflow import totp
from chitieu.workflow.admin import recent, setting

pytestmark = pytest.mark.browser
NOW = 1_800_000_000.0


@pytest.fixture
def site(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[WebEnv, str, Any, dict]]:
    """A server on a fresh store (each size starts from the same accounts) and the TOTP clock,
    fixed: the server runs in this process."""
    at = {"t": NOW}
    monkeypatch.setattr(totp, "clock", lambda: at["t"])
    env = make_env(f"sqlite:///{tmp_path / 'w.db'}")
    with serve(env.store) as base, chromium() as browser:
        yield env, base, browser, at
    env.store.engine.dispose()


class Walk:
    """A page that is checked (axe, the phone's width) and photographed at each screen."""

    def __init__(self, page: Any, size: dict[str, int], folder: Any) -> None:
        self.page, self.size, self.folder = page, size, folder
        self.found: dict[str, Any] = {}
        self.n = 0

    def check(self, name: str) -> None:
        self.n += 1
        if bad := axe(self.page):
            self.found[name] = bad
        if self.size == PHONE:
            assert fits(self.page), f"{name} is wider than the phone"
        shot = self.folder / f"{self.size['width']}-{self.n:02d}-{name}.png"
        self.page.screenshot(path=str(shot), full_page=True)


def _add_by_keyboard(page: Any) -> None:
    """Fill the add-account form with the keyboard alone, and send it with Enter."""
    page.focus("#add input[name=username]")
    page.keyboard.type("lan")
    page.keyboard.press("Tab")
    page.keyboard.type("Nguyễn Thị Lan")
    page.keyboard.press("Tab")  # the role: reporter is chosen already
    page.keyboard.press("Tab")  # the provinces' list: the arrow keys choose one
    units = "#add select[name=units]"
    for _ in range(40):
        page.keyboard.press("ArrowDown")
        if page.eval_on_selector(units, "s => s.value") == OWN:
            break
    page.keyboard.press("Tab")
    page.keyboard.type("lan@so.gov.vn")
    page.keyboard.press("Tab")
    page.keyboard.type("mật khẩu dài")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/admin/users\?done=added$"))


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1366x800", "390x844"])
def test_administrator_walks_every_screen(site, size, tmp_path):  # type: ignore[no-untyped-def]
    env, base, browser, _at = site
    ctx = context(browser, size)
    page = ctx.new_page()
    walk = Walk(page, size, tmp_path)
    sign_in(page, base, "admin", PASSWORD, "vi")
    page.click("header nav a[href='/admin/users']")  # the main menu leads there
    page.wait_for_url(base + "/admin/users")
    walk.check("users")
    _add_by_keyboard(page)
    assert page.locator(".alert.ok").inner_text() == "Đã tạo tài khoản."
    assert Accounts(env.store).by_username("lan").units == {OWN}  # type: ignore[union-attr]
    walk.check("users-added")
    page.click("a[href='/admin/users/lan']")
    walk.check("user")
    page.select_option("#role select[name=role]", "head")
    page.click("#role button[type=submit]")
    page.wait_for_url(re.compile(r".*done=role$"))
    assert Accounts(env.store).by_username("lan").role == "head"  # type: ignore[union-attr]
    walk.check("user-role")
    # a token, shown once; then revoked
    page.goto(base + "/admin/tokens")
    page.select_option("#issue select[name=username]", "lan")
    page.fill("#issue input[name=label]", "bảng tin")
    page.click("#issue button[type=submit]")
    token = page.input_value("#new-token")
    assert token.startswith("ct_")
    walk.check("token-issued")
    page.goto(base + "/admin/tokens")
    assert token not in page.content()
    page.click("#tokens tr:has-text('bảng tin') button.danger")
    page.wait_for_url(re.compile(r".*done=revoked$"))
    walk.check("tokens")
    # a deadline moved; then the second factor required of approvers
    page.goto(base + "/admin/forms")
    form = page.locator(f"#form-{FORM} form.deadline").first
    form.locator("input[name=days]").fill("45")
    form.locator("input[name=comment]").fill("lùi hạn do bão")
    form.locator("button").click()
    page.wait_for_url(re.compile(r".*done=deadline$"))
    walk.check("forms")
    page.goto(base + "/admin/settings")
    page.select_option("#settings select[name=value]", "approvers")
    page.click("#settings button[type=submit]")
    page.wait_for_url(re.compile(r".*done=setting$"))
    assert setting(env.store, "require_2fa") == "approvers"
    assert page.locator("#audit").inner_text().count("admin") >= 5
    walk.check("settings")
    page.goto(base + "/lang/en?next=/admin/settings")
    assert page.locator("h1").inner_text() == "Administration: Settings and audit"
    walk.check("settings-en")
    ctx.close()
    did = {e.action for e in recent(env.store, 50) if e.actor == "admin"}
    assert {"user-add", "user-role", "token-add", "token-revoke", "deadline", "setting"} <= did
    assert not walk.found, walk.found


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1366x800", "390x844"])
def test_analyst_enrols_at_sign_in_then_signs_in_with_a_code(site, size, tmp_path):  # type: ignore[no-untyped-def]
    env, base, browser, at = site
    from chitieu.workflow.admin import set_setting

    set_setting(env.store, Accounts(env.store).by_username("admin"), "require_2fa", "approvers")  # type: ignore[arg-type]
    ctx = context(browser, size)
    page = ctx.new_page()
    walk = Walk(page, size, tmp_path)
    page.goto(base + "/login")
    page.fill("input[name=username]", "analyst")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(base + "/account/2fa")
    walk.check("enrol")
    page.click("#start button[type=submit]")
    secret = page.input_value("#secret").replace(" ", "")
    assert page.input_value("#uri").startswith("otpauth://totp/chitieu:analyst?secret=")
    walk.check("enrol-key")
    page.fill("#confirm input[name=code]", pyotp.TOTP(secret).at(at["t"]))
    page.press("#confirm input[name=code]", "Enter")
    page.wait_for_url(base + "/")  # enrolled: the session starts
    page.click("form[action='/logout'] button")
    page.wait_for_url(re.compile(r".*/login$"))
    page.fill("input[name=username]", "analyst")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(base + "/login/code")
    walk.check("code")
    page.fill("input[name=code]", pyotp.TOTP(secret).at(at["t"]))  # spent at enrolment
    page.press("input[name=code]", "Enter")
    assert page.locator(".alert.error").is_visible()
    walk.check("code-refused")
    at["t"] += 30
    page.fill("input[name=code]", pyotp.TOTP(secret).at(at["t"]))
    page.press("input[name=code]", "Enter")
    page.wait_for_url(base + "/")
    page.goto(base + "/account/2fa")
    assert secret not in page.content()
    walk.check("second-factor-on")
    ctx.close()
    assert not walk.found, walk.found
