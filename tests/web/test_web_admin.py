"""Administration in the browser (issue 19 item 4) and the second factor, through the routes,
on SQLite and PostgreSQL: accounts, API tokens, forms' approval levels and deadlines, run-time
settings — each change audited, each form CSRF-protected — and TOTP enrolment, sign-in with a
code, codes not reusable, wrong codes throttled, enrolment forced when the setting says so."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from fastapi.testclient import TestClient
from tests.web.conftest import FORM, OWN, PASSWORD, WebEnv, csrf

from chitieu.web.accounts import Accounts
from chitieu.workflow import totp
from chitieu.workflow.admin import recent, setting

NOW = 1_800_000_000.0  # the moment every code is checked at (workflow.totp.clock)


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> dict[str, float]:
    """The TOTP clock, fixed (and moved by the test)."""
    at = {"t": NOW}
    monkeypatch.setattr(totp, "clock", lambda: at["t"])
    return at


def post(client: TestClient, url: str, page: str, **data: str):  # type: ignore[no-untyped-def]
    return client.post(url, data={"csrf_token": csrf(client, page), **data}, follow_redirects=False)


def alert(html: str) -> str:
    m = re.search(r'role="alert">(?:<p>)?([^<]*)', html)
    return m.group(1) if m else ""


def actions(env: WebEnv) -> list[tuple[str, str, str]]:
    return [(e.actor, e.action, e.target) for e in recent(env.store, 100)]


def test_accounts_added_changed_disabled_enabled_reset_and_audited(web: WebEnv) -> None:
    admin = web.browser("admin")
    r = post(admin, "/admin/users", "/admin/users", username="lan", display_name="Nguyễn Thị Lan",
             role="reporter", units="Hà Nội", password="mật khẩu dài")  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == "/admin/users?done=added"
    acc = Accounts(web.store).by_username("lan")
    assert acc is not None and acc.units == {OWN} and acc.role == "reporter"
    # a reporter without a unit: refused at the form, in Vietnamese, what was typed kept
    r = post(admin, "/admin/users", "/admin/users", username="nam", role="reporter",
             password="mật khẩu dài")  # fmt: skip
    assert r.status_code == 400 and "ít nhất một đơn vị" in alert(r.text)
    assert 'value="nam"' in r.text
    # role and units: a head of Hồ Chí Minh City
    r = post(admin, "/admin/users/lan/role", "/admin/users/lan", role="head", units="79@34")
    assert r.status_code == 303
    acc = Accounts(web.store).by_username("lan")
    assert acc is not None and acc.role == "head" and acc.units == {"79@34"}
    # she signs in; disabling ends her session and revokes her tokens at once
    token = Accounts(web.store).add_token("lan", "script")
    Accounts(web.store).set_password("lan", PASSWORD)
    lan = web.browser("lan")
    assert lan.get("/account").status_code == 200
    r = post(admin, "/admin/users/lan/active", "/admin/users/lan", active="0")
    assert r.status_code == 303
    assert lan.get("/account", follow_redirects=False).status_code == 303  # to the sign-in
    api = TestClient(web.app, headers={"Authorization": f"Bearer {token}"})  # type: ignore[arg-type]
    assert api.get("/api/v1/me").status_code == 401
    assert post(admin, "/admin/users/lan/active", "/admin/users/lan", active="1").status_code == 303
    r = post(admin, "/admin/users/lan/password", "/admin/users/lan", password="mới-mới-mới")
    assert r.status_code == 303
    assert Accounts(web.store).authenticate("lan", "mới-mới-mới") is not None
    # an administrator cannot lock himself out
    r = post(admin, "/admin/users/admin/active", "/admin/users/admin", active="0")
    assert r.status_code == 403 and "tự khóa" in alert(r.text)
    assert Accounts(web.store).by_username("admin").active  # type: ignore[union-attr]
    done = actions(web)
    for act in ("user-add", "user-role", "user-disable", "user-enable", "user-password"):
        assert ("admin", act, "lan") in done, (act, done)
    # the same core functions from the CLI are audited too (as "cli")
    assert ("cli", "token-add", "lan") in done
    # no form goes through without the session's CSRF token
    r = admin.post("/admin/users/lan/active", data={"active": "0"}, follow_redirects=False)
    assert r.status_code == 403
    assert Accounts(web.store).by_username("lan").active  # type: ignore[union-attr]


def test_tokens_issued_once_listed_without_secret_and_revoked(web: WebEnv) -> None:
    admin = web.browser("admin")
    r = post(admin, "/admin/tokens", "/admin/tokens", username="viewer", label="bảng tin")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    token = re.search(r'id="new-token" value="(ct_[^"]+)"', r.text).group(1)  # type: ignore[union-attr]
    api = TestClient(web.app, headers={"Authorization": f"Bearer {token}"})  # type: ignore[arg-type]
    assert api.get("/api/v1/me").json()["account"]["username"] == "viewer"
    listed = admin.get("/admin/tokens").text
    assert token not in listed and "bảng tin" in listed
    tok = next(t for t in Accounts(web.store).tokens("viewer") if t.label == "bảng tin")
    r = post(admin, f"/admin/tokens/{tok.id}/revoke", "/admin/tokens")
    assert r.status_code == 303
    assert api.get("/api/v1/me").status_code == 401
    assert ("admin", "token-revoke", "viewer") in actions(web)
    r = post(admin, "/admin/tokens", "/admin/tokens", username="nobody")
    assert r.status_code == 400 and "nobody" in alert(r.text)


def test_forms_levels_and_deadline_overrides(web: WebEnv) -> None:
    from chitieu.catalog.forms import forms
    from chitieu.catalog.periods import parse_period
    from chitieu.workflow import deadlines

    admin = web.browser("admin")
    form = forms().get(FORM)
    rnd = str(form.rounds[0].round)
    catalog_days = form.rounds[0].deadline.days_after_end
    r = post(admin, f"/admin/forms/{FORM}/deadline", "/admin/forms", round=rnd, days="45",
             comment="lùi hạn do bão")  # fmt: skip
    assert r.status_code == 303
    assert deadlines.days_of(web.store, form, rnd) == 45
    # a report's deadline, over the API too, is the one in force
    got = web.api("analyst").get(f"/api/v1/submissions/{FORM}/{OWN}/2026S1?round={rnd}").json()
    p = parse_period("2026S1")
    due = deadlines.due(web.store, form, rnd, p)
    assert str(got["submission"]["deadline"]) == due.isoformat()
    assert due == form.rounds[0].deadline.due(p) + timedelta(days=45 - catalog_days)
    # the board's timeliness is judged on it too
    from chitieu.check.completeness import form_status

    assert form_status(web.store, form, p, rnd).due == due
    r = post(admin, f"/admin/forms/{FORM}/deadline", "/admin/forms", round=rnd, days="ba tuần")
    assert r.status_code == 422 and "ba tuần" in alert(r.text)
    r = post(admin, f"/admin/forms/{FORM}/deadline", "/admin/forms", round=rnd, days="")
    assert r.status_code == 303 and deadlines.days_of(web.store, form, rnd) == catalog_days
    assert [c.days for c in deadlines.history(web.store, form)] == [None, 45]
    r = post(admin, f"/admin/forms/{FORM}/levels", "/admin/forms", levels="1", comment="thử")
    assert r.status_code == 303
    assert web.api("admin").get(f"/api/v1/forms/{FORM}/levels").json()["levels"] == 1
    # the API's PUT of the levels is audited as the page's POST is
    web.api("admin").put(f"/api/v1/forms/{FORM}/levels", json={"levels": 2})
    levels = [a for a in actions(web) if a[1] == "levels"]
    assert levels == [("admin", "levels", FORM)] * 2
    assert ("admin", "deadline", f"{FORM} {rnd}") in actions(web)


def test_settings_changed_audited_smtp_read_only(web: WebEnv, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CHITIEU_SMTP_HOST", "mail.bo.gov.vn")
    monkeypatch.setenv("CHITIEU_SMTP_PASSWORD", "bí-mật-smtp")
    admin = web.browser("admin")
    page = admin.get("/admin/settings").text
    assert "mail.bo.gov.vn" in page and "bí-mật-smtp" not in page
    assert setting(web.store, "require_2fa") == "off"
    r = post(admin, "/admin/settings", "/admin/settings", name="require_2fa", value="approvers")
    assert r.status_code == 303 and setting(web.store, "require_2fa") == "approvers"
    r = post(admin, "/admin/settings", "/admin/settings", name="require_2fa", value="everyone")
    assert r.status_code == 422 and "everyone" in alert(r.text)
    assert ("admin", "setting", "require_2fa") in actions(web)


def _enrol(client: TestClient, at: dict[str, float]) -> str:
    """Enrol the client's account; its secret."""
    assert post(client, "/account/2fa/start", "/account/2fa").status_code == 303
    page = client.get("/account/2fa").text
    secret = re.search(r'id="secret"[^>]*>([^<]+)<', page).group(1).replace(" ", "")  # type: ignore[union-attr]
    assert "otpauth://totp/" in page
    code = pyotp.TOTP(secret).at(at["t"])
    r = post(client, "/account/2fa/confirm", "/account/2fa", code=code)
    assert r.status_code == 303, r.text
    assert secret not in client.get("/account/2fa").text  # never shown again
    return secret


def _password(client: TestClient, user: str) -> str:
    r = client.post("/login", data={"username": user, "password": PASSWORD,
                                    "csrf_token": csrf(client, "/login")},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    return r.headers["location"]


def test_second_factor_sign_in_codes_once_and_throttled(web: WebEnv, fixed_clock) -> None:  # type: ignore[no-untyped-def]
    analyst = web.browser("analyst")
    secret = _enrol(analyst, fixed_clock)
    otp = pyotp.TOTP(secret)
    assert ("analyst", "2fa-enrol", "analyst") in actions(web)
    c = TestClient(web.app)  # type: ignore[arg-type]
    assert _password(c, "analyst") == "/login/code"
    assert c.get("/queue", follow_redirects=False).status_code == 303  # no session yet
    # the enrolment's code is spent: refused within its window
    r = post(c, "/login/code", "/login/code", code=otp.at(fixed_clock["t"]))
    assert r.status_code == 400
    fixed_clock["t"] += 30
    r = post(c, "/login/code", "/login/code", code=otp.at(fixed_clock["t"]))
    assert r.status_code == 303 and c.get("/queue").status_code == 200
    # wrong codes count toward the sign-in throttle: then even the right code is refused
    d = TestClient(web.app)  # type: ignore[arg-type]
    _password(d, "analyst")
    for _ in range(4):
        assert post(d, "/login/code", "/login/code", code="000000").status_code == 400
    fixed_clock["t"] += 30
    good = otp.at(fixed_clock["t"])
    assert post(d, "/login/code", "/login/code", code=good).status_code == 303
    e = TestClient(web.app)  # type: ignore[arg-type]
    _password(e, "analyst")
    for _ in range(5):
        post(e, "/login/code", "/login/code", code="999999")
    fixed_clock["t"] += 30
    r = post(e, "/login/code", "/login/code", code=otp.at(fixed_clock["t"]))
    assert r.status_code == 429 and "Retry-After" in r.headers


def test_second_factor_required_forces_enrolment(web: WebEnv, fixed_clock) -> None:  # type: ignore[no-untyped-def]
    admin = web.browser("admin")
    post(admin, "/admin/settings", "/admin/settings", name="require_2fa", value="approvers")
    c = TestClient(web.app)  # type: ignore[arg-type]
    assert _password(c, "head") == "/account/2fa"
    assert c.get("/", follow_redirects=False).status_code == 303  # no session before it
    assert "bắt buộc" in c.get("/account/2fa").text
    _enrol(c, fixed_clock)  # the confirmation starts the session
    assert c.get("/").status_code == 200
    # a reporter is never asked (its role uses no second factor); an administrator removes
    # a lost phone's factor, and the head enrols again at the next sign-in
    assert _password(TestClient(web.app), "reporter") == "/"  # type: ignore[arg-type]
    assert web.browser("reporter").get("/account/2fa").status_code == 403
    r = post(admin, "/admin/users/head/2fa/remove", "/admin/users/head")
    assert r.status_code == 303 and ("admin", "2fa-remove", "head") in actions(web)
    assert _password(TestClient(web.app), "head") == "/account/2fa"  # type: ignore[arg-type]


def test_own_second_factor_removed_only_with_a_code(web: WebEnv, fixed_clock) -> None:  # type: ignore[no-untyped-def]
    admin = web.browser("admin")
    secret = _enrol(admin, fixed_clock)
    assert post(admin, "/account/2fa/remove", "/account/2fa", code="123456").status_code == 400
    assert totp.enrolled(web.store, Accounts(web.store).by_username("admin").id)  # type: ignore[union-attr]
    fixed_clock["t"] += 30
    code = pyotp.TOTP(secret).at(fixed_clock["t"])
    assert post(admin, "/account/2fa/remove", "/account/2fa", code=code).status_code == 303
    assert not totp.enrolled(web.store, Accounts(web.store).by_username("admin").id)  # type: ignore[union-attr]
