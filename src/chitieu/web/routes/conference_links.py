"""Viewer links of the conference board in the browser, for administrators (as
``chitieu conference link | links | revoke``): make one (its URL shown on this answer only),
list them (never a token), revoke one.

A link's address starts with ``CHITIEU_BASE_URL`` when it is set (the address the connection
points reach; the request's Host header is whatever the administrator's browser used, or a
proxy's), else with the request's own. The form that makes a link carries a one-time value
(``once``); the session remembers the last ones used, so that refreshing the answer (which
re-sends the POST) makes no second link: it says so instead. The token is never put in the
session or in an address to show it again after a redirect.
"""

from __future__ import annotations

import os
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from chitieu.web.accounts import Account
from chitieu.web.deps import CSRF, admin_user, get_store
from chitieu.web.errors import NotFound
from chitieu.web.i18n import _
from chitieu.web.render import page
from chitieu.web.scope import parse_any_period
from chitieu.web.viewer import Link, base_url, links, make_link, revoke

router = APIRouter(include_in_schema=False)
Admin = Annotated[Account, Depends(admin_user)]
PATH = "/admin/viewer-links"
#: the session's key of the one-time values of the forms already sent (the last few)
USED = "viewer-link-once"
KEEP = 8


def _page(request: Request, made: Link | None = None, done: str = "") -> HTMLResponse:
    if request.query_params.get("done") == "revoked":
        done = _("The link is revoked.")
    response = page(request, "admin_viewer_links.html", links=links(get_store(request)),
                    made=made, done=done, error=None,
                    once=secrets.token_urlsafe(12))  # fmt: skip
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get(PATH, response_class=HTMLResponse)
def viewer_links(request: Request, user: Admin) -> HTMLResponse:
    """Every viewer link of the conference board (never its token): make one, revoke one."""
    return _page(request)


@router.post(PATH, response_class=HTMLResponse, dependencies=[CSRF])
def make_viewer_link(
    request: Request,
    user: Admin,
    period: Annotated[str, Form()] = "",
    label: Annotated[str, Form()] = "",
    once: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Make a viewer link of a period's board: its URL (with the token) on this answer only;
    the same form sent again (a refresh) makes none."""
    used: list[str] = list(request.session.get(USED, []))
    if once and once in used:
        return _page(request, done=_("This form was sent already: no second link was made."))
    p = parse_any_period(period.strip())
    made = make_link(
        get_store(request), p.id, label.strip()[:200], user.username, base=_base(request)
    )
    if once:
        request.session[USED] = [*used, once[:40]][-KEEP:]
    return _page(request, made)


def _base(request: Request) -> str:
    """``CHITIEU_BASE_URL`` when set, else the address the request came to."""
    if os.environ.get("CHITIEU_BASE_URL", "").strip():
        return base_url()
    return str(request.base_url).rstrip("/")


@router.post(PATH + "/{link_id}/revoke", dependencies=[CSRF])
def revoke_viewer_link(request: Request, user: Admin, link_id: int) -> RedirectResponse:
    """Revoke a viewer link: its board is refused at once, its open streams end."""
    try:
        revoke(get_store(request), link_id, user.username)
    except NotFound:
        raise NotFound(_("There is no such link."), _("The list shows every link.")) from None
    return RedirectResponse(PATH + "?done=revoked", 303)
