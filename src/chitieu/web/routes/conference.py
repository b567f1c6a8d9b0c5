"""The conference board: ``GET /conference/{period}`` (a full-screen 16:9 page for the
presenter's screen and the connection points) and ``GET /conference/{period}/events`` (its
Server-Sent Events, ``web/events.py``).

Who may watch: the ministry's reading roles (admin, analyst, viewer), signed in; or anyone with
a viewer link of that period (``?token=``, ``web/viewer.py``), which opens these two routes and
nothing else. The board's data: ``web/conference_data.py``; its language: ``?lang=vi|en``, else
the page's (cookie).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from chitieu.catalog.periods import Period
from chitieu.store.values import Store
from chitieu.web import i18n
from chitieu.web.accounts import Account
from chitieu.web.conference_data import headline_codes
from chitieu.web.conference_whatif import SCENARIOS, Asked, panel
from chitieu.web.deps import SID, current_user, get_sessions, get_store
from chitieu.web.errors import Forbidden
from chitieu.web.events import hub_of
from chitieu.web.i18n import _
from chitieu.web.render import page
from chitieu.web.scope import parse_any_period
from chitieu.web.viewer import TOKEN_PARAM, still_valid, viewer_account

router = APIRouter(include_in_schema=False)
#: the board's views, in the order the keys and the kiosk go through them
VIEWS = ("figures", "ranking", "map")
#: seconds a view stays in kiosk mode unless ``?every=`` says otherwise
EVERY = 20


async def _reader(request: Request, period: Period, token: str | None) -> Account:
    """Who watches: the viewer link's read-only account, or a signed-in reading role."""
    if token:
        store = get_store(request)
        acc = await run_in_threadpool(viewer_account, store, token, period.id)
        request.state.account = acc
        return acc
    acc = await current_user(request)
    if not acc.sees_all:
        raise Forbidden(_("The conference board covers every unit; your role may not see it."))
    return acc


def _asked(unit: str, scenario: str, indicator: str, value: str) -> Asked | None:
    """The what-if asked in the query: a unit and a value of an indicator, or a scenario."""
    if not unit.strip():
        return None
    if value.strip():
        return Asked(unit.strip()[:100], "", (indicator[:40],), (value[:40],))
    return Asked(unit.strip()[:100], scenario if scenario in SCENARIOS else SCENARIOS[0])


async def _whatif(request: Request, p: Period, token: str | None, got: Asked) -> str:
    """The what-if panel's HTML ("" for a viewer link: a hypothesis is the analyst's)."""
    if token:
        return ""
    lang = i18n.get_lang()
    return await run_in_threadpool(_panel_in, get_store(request), p, lang, got)


def _panel_in(store: Store, p: Period, lang: str, got: Asked) -> str:
    i18n.set_lang(lang)  # the thread's own context
    return panel(store, p, lang, got)


def _lang(request: Request, lang: str | None) -> str:
    if lang in i18n.LANGS:
        i18n.set_lang(lang)
    return i18n.get_lang()


@router.get("/conference/{period}", response_class=HTMLResponse)
async def board(
    request: Request,
    period: str,
    token: str | None = None,
    lang: str | None = None,
    kiosk: str = "",
    every: float = EVERY,
    whatif: str = "",
    scenario: str = "last-year-share",
    indicator: str = "",
    value: str = "",
) -> HTMLResponse:
    """The board of ``period``: headline figures, ranking, map, completeness; live. With
    ``?whatif=<unit>`` (a signed-in presenter), the "what if" view of that unit's figures
    under a scenario (``web/conference_whatif.py``)."""
    p = parse_any_period(period)
    user = await _reader(request, p, token)
    hub = hub_of(request.app)
    state = await hub.state((p.id, _lang(request, lang)))
    query = {k: v for k, v in ((TOKEN_PARAM, token), ("lang", lang)) if v}
    events = f"/conference/{p.id}/events" + (f"?{urlencode(query)}" if query else "")
    codes = list(headline_codes())
    labels = {"figures": _("Headline figures"), "ranking": _("Provinces ranked"),
              "map": _("Map"), "whatif": _("What if")}  # fmt: skip
    asked = _asked(whatif, scenario, indicator, value)
    panel = await _whatif(request, p, token, asked) if asked else ""
    views = [*VIEWS, "whatif"] if panel else list(VIEWS)
    response = page(
        request, "conference.html", user=user, unread=None, period=p.id, state=state,
        codes=codes, views=[(v, labels[v]) for v in views], events=events,
        kiosk=kiosk not in ("", "0"), every=max(3.0, min(every, 600.0)), whatif=panel,
    )  # fmt: skip
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/conference/{period}/events")
async def events(
    request: Request,
    period: str,
    token: str | None = None,
    lang: str | None = None,
    since: str = "",
) -> StreamingResponse:
    """The board's event stream (``text/event-stream``): ``id:`` the data version, ``data:``
    JSON with the version and the figures and parts that changed; ``:`` heartbeats."""
    p = parse_any_period(period)
    await _reader(request, p, token)
    key = (p.id, _lang(request, lang))
    last = request.headers.get("last-event-id") or since
    stream = hub_of(request.app).stream(key, last, _guard(request, token))
    return StreamingResponse(
        stream,
        media_type="text/event-stream; charset=utf-8",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _guard(request: Request, token: str | None) -> Callable[[], Awaitable[bool]]:
    """What each heartbeat asks before it is sent: a viewer link not revoked; a session still
    open, counted as active (its idle timeout moves on while the board is open)."""
    store = get_store(request)
    sid = request.session.get(SID) if "session" in request.scope else None

    async def guard() -> bool:
        if token:
            return bool(await run_in_threadpool(still_valid, store, token))
        if isinstance(sid, str):
            return bool(await run_in_threadpool(get_sessions(request).mark_active, sid))
        return True  # a bearer token: asked again when the stream reconnects

    return guard
