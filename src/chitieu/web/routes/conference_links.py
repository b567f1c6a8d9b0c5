"""Viewer links of the conference board in the browser, for administrators (as
``chitieu conference link | links | revoke``): make one (its URL shown on this answer only),
list them (never a token), revoke one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from chitieu.web.accounts import Account
from chitieu.web.deps import CSRF, admin_user, get_store
from chitieu.web.errors import NotFound
from chitieu.web.i18n import _
from chitieu.web.render import page
from chitieu.web.scope import parse_any_period
from chitieu.web.viewer import Link, links, make_link, revoke

router = APIRouter(include_in_schema=False)
Admin = Annotated[Account, Depends(admin_user)]
PATH = "/admin/viewer-links"


def _page(request: Request, made: Link | None = None) -> HTMLResponse:
    done = _("The link is revoked.") if request.query_params.get("done") == "revoked" else ""
    response = page(request, "admin_viewer_links.html", links=links(get_store(request)),
                    made=made, done=done, error=None)  # fmt: skip
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
) -> HTMLResponse:
    """Make a viewer link of a period's board: its URL (with the token) on this answer only."""
    p = parse_any_period(period.strip())
    base = str(request.base_url).rstrip("/")
    made = make_link(get_store(request), p.id, label.strip()[:200], user.username, base=base)
    return _page(request, made)


@router.post(PATH + "/{link_id}/revoke", dependencies=[CSRF])
def revoke_viewer_link(request: Request, user: Admin, link_id: int) -> RedirectResponse:
    """Revoke a viewer link: its board is refused at once, its open streams end."""
    try:
        revoke(get_store(request), link_id, user.username)
    except NotFound:
        raise NotFound(_("There is no such link."), _("The list shows every link.")) from None
    return RedirectResponse(PATH + "?done=revoked", 303)
