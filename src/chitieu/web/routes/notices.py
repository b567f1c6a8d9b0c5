"""The bell's notices: the page ``/notices`` (list, mark read, open the report) and the API
``GET /api/v1/notices``, ``POST /api/v1/notices/{id}/read``. The notices themselves are the
workflow's (``workflow/notices.py``); their words come from the catalog (``notices.yaml``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from chitieu.web.deps import CSRF, User, get_store
from chitieu.web.errors import ERROR_RESPONSES
from chitieu.web.render import page
from chitieu.workflow import notices as core
from chitieu.workflow.notices_text import link, to_dict

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["v1"], responses=ERROR_RESPONSES)


@router.get("/notices", response_class=HTMLResponse)
def notices_page(request: Request, user: User) -> HTMLResponse:
    """The account's notices, newest first; unread ones marked."""
    rows = core.inbox(get_store(request), user)
    return page(request, "notices.html", notices=[to_dict(r) for r in rows])


@router.post("/notices/read", dependencies=[CSRF])
def notices_read_all(request: Request, user: User) -> RedirectResponse:
    """Mark every notice of the account read."""
    core.mark_read(get_store(request), user)
    return RedirectResponse("/notices", 303)


@router.post("/notices/{notice_id}/read", dependencies=[CSRF])
def notice_read(request: Request, user: User, notice_id: int) -> RedirectResponse:
    """Mark one notice read."""
    core.mark_read(get_store(request), user, notice_id)
    return RedirectResponse("/notices", 303)


@router.get("/notices/{notice_id}/open")
def notice_open(request: Request, user: User, notice_id: int) -> RedirectResponse:
    """Mark a notice read and go to its report."""
    store = get_store(request)
    row = core.notice_of(store, user, notice_id)
    core.mark_read(store, user, notice_id)
    return RedirectResponse(link(row), 303)


@api.get("/notices")
def api_notices(
    request: Request,
    user: User,
    unread: Annotated[bool, Query(description="Only the unread ones.")] = False,
    limit: Annotated[int, Query(ge=1, le=500, description="At most this many.")] = 100,
) -> dict[str, Any]:
    """The signed-in account's notices (returns, approvals, replies, deadlines), newest first,
    each with its text in Vietnamese and English, and how many are unread."""
    store = get_store(request)
    rows = core.inbox(store, user, unread=unread, limit=limit)
    return {
        "ok": True,
        "unread": core.unread_count(store, user.id),
        "notices": [to_dict(r) for r in rows],
    }


@api.post("/notices/{notice_id}/read", dependencies=[CSRF])
def api_notice_read(request: Request, user: User, notice_id: int) -> dict[str, Any]:
    """Mark one of the account's notices read (404: not one of its notices)."""
    store = get_store(request)
    core.mark_read(store, user, notice_id)
    return {
        "ok": True,
        "notice": to_dict(core.notice_of(store, user, notice_id)),
        "unread": core.unread_count(store, user.id),
    }
