"""Saved views: a user names what the dashboard shows (its URL's query: period, indicator,
unit, boundaries, chart type, map measure) and opens it again from the dashboard's list."""

from __future__ import annotations

import unicodedata
from typing import Annotated
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from chitieu import clock
from chitieu.store.saved_views import SavedView, delete_view, save_view
from chitieu.store.saved_views import views_of as stored_views
from chitieu.web.accounts import Account
from chitieu.web.deps import CSRF, User, get_store
from chitieu.web.errors import Invalid, NotFound
from chitieu.web.i18n import _

router = APIRouter(include_in_schema=False)
#: the parameters a view keeps (anything else in a posted query is dropped)
KEYS = ("period", "unit", "indicator", "boundaries", "chart", "show", "measure", "as_of")
MAX_NAME, MAX_QUERY = 200, 2000


def clean_query(text: str) -> str:
    """The view's query with only the dashboard's own parameters, in their order."""
    got = dict(parse_qsl(text.lstrip("?"), keep_blank_values=False))
    return urlencode([(k, got[k][:100]) for k in KEYS if got.get(k)])


def views_of(request: Request, user: Account) -> list[SavedView]:
    """The account's saved views."""
    return stored_views(get_store(request), user.id)


@router.post("/dashboard/views", dependencies=[CSRF])
def save(
    request: Request,
    user: User,
    name: Annotated[str, Form()] = "",
    query: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Save the dashboard's current view under a name (the same name replaces it)."""
    label = unicodedata.normalize("NFC", name).strip()
    if not label or len(label) > MAX_NAME:
        raise Invalid(_("Give the view a name (at most %(n)s characters).") % {"n": MAX_NAME})
    q = clean_query(query[:MAX_QUERY])
    save_view(get_store(request), user.id, label, q, clock.now())
    return RedirectResponse(f"/dashboard?{q}&saved=1" if q else "/dashboard?saved=1", 303)


@router.post("/dashboard/views/{view_id}/delete", dependencies=[CSRF])
def delete(request: Request, user: User, view_id: int) -> RedirectResponse:
    """Delete one of the account's saved views."""
    if delete_view(get_store(request), user.id, view_id) == 0:
        raise NotFound(_("There is no such view."))
    return RedirectResponse("/dashboard", 303)
