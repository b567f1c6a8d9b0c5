"""The authorisation matrix: every route × every role, with a unit the user does not own.

Each route of the app is classified below (a new route without a class fails the test):
- ``public``: no sign-in needed (sign-in page, language switch, assets, OpenAPI document);
- ``health``: the server's health for monitoring (``/healthz``, ``/readyz``): answered 200 to
  every role and to anonymous requests, with or without a session or a token;
- ``unit``: reads one unit's data → refused to a reporter for another unit;
- ``unit_report``: reads one unit's report of a round → refused to a reporter for another unit,
  and to a viewer while the report is not submitted (here it is not started: issue 20);
- ``unit_write``: changes one unit's data → refused to viewers and to a reporter for another unit;
- ``action``: a workflow action on a report (the test runs approve, accept and reply): who may
  depends on the action (``ACTION_ROLES``) — and never a reporter or a head of another unit;
- ``signed_in``: reference data or lists filtered to the user's own units, one's own account;
- ``admin_or_owner``: revoking an API token, here one of the administrator's → admins only;
- ``admin``: setting a form's approval levels, and every administration page and action
  (``/admin/users``, ``/admin/tokens``, ``/admin/forms``, ``/admin/settings``) → admins only;
- ``approver``: one's own second factor (``/account/2fa``) → administrators, analysts and
  department heads; 403 to reporters and viewers (their roles use none).
Anonymous requests are refused everywhere but ``public``: 401 from the API, a redirect to the
sign-in page from pages.
"""

from __future__ import annotations

import re

import pytest
from tests.web.conftest import FOREIGN, FORM, OWN, PERIOD, csrf

from chitieu.web.app import all_routes

ROLES = ("anonymous", "reporter", "head", "viewer", "analyst", "admin")
#: the roles an action is allowed to (on a unit that is not theirs: reporters and heads never)
ACTION_ROLES = {
    "approve": ("analyst", "admin"),
    "accept": ("admin",),
    "reply": ("analyst", "admin"),
}
PARAMS = {
    "form": FORM,
    "unit": FOREIGN,
    "period": PERIOD,
    "indicator": "ICT_REVENUE",
    "code": "en",
    "flow": "DF_CHITIEU",
    "username": "spare",  # the administration's target: an account of its own (it is disabled)
    "link_id": "1",  # a viewer link (made by the test)
}
QUERY = {"period": PERIOD, "form": FORM, "unit": FOREIGN, "indicator": "ICT_REVENUE"}

CLASSES: dict[tuple[str, str], str] = {
    ("GET", "/login"): "public",
    ("POST", "/login"): "public",
    ("POST", "/logout"): "public",
    ("GET", "/lang/{code}"): "public",
    ("GET", "/openapi.json"): "public",
    ("GET", "/vendor/plotly.min.js"): "public",
    ("GET", "/vendor/plotly-styles.js"): "public",
    ("GET", "/vendor/plotly-{index}.css"): "public",
    ("GET", "/healthz"): "health",
    ("GET", "/readyz"): "health",
    ("GET", "/"): "signed_in",
    ("GET", "/board"): "signed_in",
    ("GET", "/board/{form}/{period}"): "signed_in",
    ("GET", "/dashboard"): "unit",
    ("GET", "/dashboard/figures.csv"): "unit",
    ("GET", "/assets/{served:path}"): "public",
    ("GET", "/api/v1/series"): "unit",
    ("GET", "/dashboard/map"): "unit",
    ("GET", "/dashboard/indicator/{code}"): "signed_in",
    ("GET", "/api/v1/pivot"): "signed_in",
    ("GET", "/dashboard/pivot"): "signed_in",
    ("POST", "/dashboard/views"): "signed_in",
    ("POST", "/dashboard/views/{view_id}/delete"): "signed_in",
    ("GET", "/entry/{form}/{unit}/{period}"): "unit_report",
    ("POST", "/entry/{form}/{unit}/{period}"): "unit_write",
    ("GET", "/entry/{form}/{unit}/{period}/template.xlsx"): "unit_report",
    ("POST", "/entry/{form}/{unit}/{period}/upload"): "unit_write",
    ("GET", "/entry/{form}/{unit}/{period}/audit"): "unit_report",
    ("POST", "/entry/{form}/{unit}/{period}/{action}"): "action",
    ("GET", "/history/{indicator}/{unit}/{period}"): "unit",
    ("GET", "/api/v1/me"): "signed_in",
    ("GET", "/api/v1/catalog"): "signed_in",
    ("GET", "/api/v1/units"): "signed_in",
    ("GET", "/api/v1/periods"): "signed_in",
    ("GET", "/api/v1/periods/{period}"): "signed_in",
    ("GET", "/api/v1/forms"): "signed_in",
    ("GET", "/api/v1/values"): "unit",
    ("POST", "/api/v1/values"): "unit_write",
    ("POST", "/api/v1/imports/upload"): "unit_write",  # the ministry's roles only
    ("GET", "/api/v1/values/history"): "unit",
    ("GET", "/api/v1/summary"): "unit",
    ("GET", "/api/v1/whatif"): "unit",  # the nation's figures under hypotheses (issue 22)
    ("GET", "/api/v1/revisions"): "unit",
    ("GET", "/api/v1/revisions/accuracy"): "unit",
    ("GET", "/api/v1/submissions"): "signed_in",
    ("GET", "/api/v1/submissions/{form}/{unit}/{period}"): "unit_report",
    ("PUT", "/api/v1/submissions/{form}/{unit}/{period}"): "unit_write",
    ("POST", "/api/v1/submissions/{form}/{unit}/{period}/{action}"): "action",
    ("GET", "/api/v1/submissions/{form}/{unit}/{period}/audit"): "unit_report",
    ("GET", "/api/v1/submissions/{form}/{unit}/{period}/thread"): "unit_report",
    ("GET", "/api/v1/board/{form}/{period}"): "signed_in",
    ("GET", "/api/v1/queue"): "signed_in",
    ("GET", "/api/v1/forms/{form}/levels"): "signed_in",
    ("PUT", "/api/v1/forms/{form}/levels"): "admin",
    # exchange (issue 21): lists filtered to the user's own units; a push of another unit's
    # values is refused (403, with DHIS2's import summary naming them)
    ("GET", "/api/v1/dataValueSets"): "signed_in",
    ("POST", "/api/v1/dataValueSets"): "unit_write",
    ("GET", "/api/v1/sdmx/structure/{flow}"): "signed_in",
    ("GET", "/api/v1/sdmx/data/{flow}"): "signed_in",
    ("GET", "/account"): "signed_in",
    ("POST", "/account/password"): "signed_in",
    ("POST", "/account/tokens/{token_id}/revoke"): "admin_or_owner",
    # the review report covers every unit: the ministry's roles only, never a reporter
    ("GET", "/report"): "unit",
    ("GET", "/report/download"): "unit",
    ("GET", "/api/v1/report"): "unit",
    # editions of the review as adopted (issue 22): the ministry's roles only, as for a write
    ("POST", "/report/issue"): "unit_write",
    ("GET", "/report/slides"): "unit",  # the conference deck (PPTX, PDF), as the report
    # the conference board and its event stream (issue 22): every unit, so the reading roles
    # of the ministry (and a viewer link of its period: tests/web/test_conference_stream.py)
    ("GET", "/conference/{period}"): "unit",
    ("GET", "/conference/{period}/events"): "unit",
    ("GET", "/api/v1/editions"): "unit_write",
    # issue 19: pickers, the work queue (filtered to the user's own units), its Excel and its
    # bulk actions (each report's action checked by the workflow, refusals listed per report:
    # tests/web/test_web_queue.py)
    ("GET", "/entry"): "unit",
    ("GET", "/queue"): "signed_in",
    ("GET", "/queue.xlsx"): "signed_in",
    ("POST", "/queue/bulk"): "signed_in",
    # an account's own notices (another's: 404)
    ("GET", "/notices"): "signed_in",
    ("POST", "/notices/read"): "signed_in",
    ("POST", "/notices/{notice_id}/read"): "signed_in",
    ("GET", "/notices/{notice_id}/open"): "signed_in",
    ("GET", "/api/v1/notices"): "signed_in",
    ("POST", "/api/v1/notices/{notice_id}/read"): "signed_in",
    # issue 19 item 4: administration in the browser, admins only; the second factor
    ("GET", "/login/code"): "public",
    ("POST", "/login/code"): "public",
    ("GET", "/admin/users"): "admin",
    ("POST", "/admin/users"): "admin",
    ("GET", "/admin/users/{username}"): "admin",
    ("POST", "/admin/users/{username}/role"): "admin",
    ("POST", "/admin/users/{username}/active"): "admin",
    ("POST", "/admin/users/{username}/password"): "admin",
    ("POST", "/admin/users/{username}/2fa/remove"): "admin",
    ("GET", "/admin/tokens"): "admin",
    ("POST", "/admin/tokens"): "admin",
    ("POST", "/admin/tokens/{token_id}/revoke"): "admin",
    ("GET", "/admin/forms"): "admin",
    ("POST", "/admin/forms/{form}/levels"): "admin",
    ("POST", "/admin/forms/{form}/deadline"): "admin",
    ("GET", "/admin/viewer-links"): "admin",  # the conference board's viewer links
    ("POST", "/admin/viewer-links"): "admin",
    ("POST", "/admin/viewer-links/{link_id}/revoke"): "admin",
    ("GET", "/admin/settings"): "admin",
    ("POST", "/admin/settings"): "admin",
    ("GET", "/account/2fa"): "approver",
    ("POST", "/account/2fa/start"): "approver",
    ("POST", "/account/2fa/confirm"): "approver",
    ("POST", "/account/2fa/remove"): "approver",
}


def routes(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    out = []
    for r in all_routes(app):
        path = getattr(r, "path", None)
        for m in sorted(getattr(r, "methods", None) or ()):
            if m != "HEAD" and path:
                out.append((m, path))
    return out


def body_for(method: str, path: str) -> dict:
    """A request body that passes validation, so only authorisation can refuse it."""
    if path == "/api/v1/values" and method == "POST":
        return {
            "json": {
                "values": [
                    {
                        "indicator": "ICT_REVENUE",
                        "unit": FOREIGN,
                        "period": PERIOD,
                        "value": 1,
                        "kind": "estimate",
                    }
                ]
            }
        }
    if path == "/api/v1/dataValueSets" and method == "POST":
        one = {"dataElement": "ICT_REVENUE", "period": PERIOD, "orgUnit": FOREIGN,
               "categoryOptionCombo": "ESTIMATE", "value": "1"}  # fmt: skip
        return {"json": {"dataValues": [one]}}
    if path.startswith("/api/v1/submissions") and method == "PUT":
        return {"json": {"values": {"ICT_REVENUE": 1}, "overwrite": True}}
    if path.endswith("/levels") and method == "PUT":
        return {"json": {"levels": 2, "comment": "kiểm tra"}}
    if path.startswith("/api/v1/") and method == "POST":
        return {"json": {"comment": "kiểm tra"}}
    if path.endswith("/upload"):
        return {"files": {"file": ("x.xlsx", b"not a workbook")}}
    return {"data": {"comment": "kiểm tra", "v__ICT_REVENUE": "1"}}


def expected(cls: str, role: str, action: str) -> str:
    """'allow' or 'refuse' for a route class and role (the unit is always a foreign one)."""
    if cls in ("public", "health"):
        return "allow"
    if role == "anonymous":
        return "refuse"
    if cls in ("admin_or_owner", "admin"):
        return "allow" if role == "admin" else "refuse"
    if cls == "approver":
        return "allow" if role in ("admin", "analyst", "head") else "refuse"
    if cls == "action":
        return "allow" if role in ACTION_ROLES[action] else "refuse"
    if cls == "signed_in" or role in ("analyst", "admin"):
        return "allow"
    if cls == "unit":
        return "refuse" if role in ("reporter", "head") else "allow"
    if cls == "unit_report":
        return "refuse" if role in ("reporter", "head", "viewer") else "allow"
    return "refuse"  # writes by a viewer, any write by a reporter or a head to another unit


@pytest.mark.parametrize("action", ["approve", "accept", "reply"])
def test_every_route_every_role_foreign_unit(web, action, capsys):
    from chitieu.web.accounts import Accounts
    from chitieu.web.events import StreamSettings

    table = routes(web.app)
    # the board's event stream is endless: here each stream ends once it has sent the board
    # (its lifetime 0), so that the whole answer can be read like any other route's
    web.app.state.hub.settings = StreamSettings(lifetime=0)
    from chitieu.web.viewer import make_link

    make_link(web.store, PERIOD, "authz", "admin")  # viewer link 1, which the admin revokes
    accounts = Accounts(web.store)
    accounts.add_token("admin", "spare")
    accounts.add("spare", "spare password", "reporter", units=[FOREIGN])
    params = {**PARAMS, "token_id": str(accounts.tokens("admin")[-1].id)}
    unclassified = [rt for rt in table if rt not in CLASSES]
    assert not unclassified, f"classify these routes in CLASSES: {unclassified}"
    clients = {"anonymous": web.browser()}
    clients.update({r: web.browser(r) for r in ROLES[1:]})
    api_clients = {"anonymous": web.api()}
    api_clients.update({r: web.api(r) for r in ROLES[1:]})
    checked = 0
    for method, path in table:
        cls = CLASSES[(method, path)]
        if cls == "public":
            continue
        url = re.sub(r"\{(\w+)\}", lambda m: params.get(m.group(1), action), path)
        for role in ROLES:
            is_api = path.startswith("/api/")
            client = (api_clients if is_api else clients)[role]
            kwargs = body_for(method, path)
            if not is_api and method == "POST":
                page = "/login" if role == "anonymous" else "/"
                kwargs.setdefault("data", {})["csrf_token"] = csrf(client, page)
            r = client.request(method, url, params=QUERY, follow_redirects=False, **kwargs)
            want = expected(cls, role, action)
            where = f"{method} {path} as {role}: {r.status_code} {r.text[:200]}"
            if want == "refuse":
                if role == "anonymous":
                    assert r.status_code == (401 if is_api else 303), where
                    if not is_api:
                        assert r.headers["location"].startswith("/login"), where
                else:
                    assert r.status_code == 403, where
            else:
                assert r.status_code not in (401, 403), where
                assert r.status_code < 500, where
                if cls == "health":
                    assert r.status_code == 200 and r.json()["ok"] is True, where
                if role in ("reporter", "head") and r.status_code == 200 and cls == "signed_in":
                    assert not (
                        path.startswith(
                            ("/board", "/api/v1/board", "/api/v1/sub", "/api/v1/q", "/queue")
                        )
                        and FOREIGN in r.text
                    ), where
            checked += 1
    with capsys.disabled():
        protected = sum(CLASSES[rt] not in ("public", "health") for rt in table)
        health = sum(CLASSES[rt] == "health" for rt in table)
        print(
            f"\nauthorisation matrix: {checked} cases checked ({protected} protected routes "
            f"and {health} health routes × {len(ROLES)} roles, foreign unit {FOREIGN}; "
            f"{len(table)} routes in all)"
        )
    assert checked >= 28 * len(ROLES)


def test_reporter_own_unit_is_allowed(web):
    rep = web.api("reporter")
    assert rep.get(f"/api/v1/submissions/{FORM}/{OWN}/{PERIOD}").status_code == 200
    page = web.browser("reporter").get(f"/entry/{FORM}/{OWN}/{PERIOD}")
    assert page.status_code == 200 and "v__ICT_REVENUE" in page.text
