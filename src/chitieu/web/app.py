"""The web application: ``create_app(store_url)`` builds it on the same store as the CLI."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chitieu import __version__, open_store
from chitieu.collect.childparser import keep_reader
from chitieu.errors import ChitieuError
from chitieu.store.faults import fault_of
from chitieu.store.values import Store
from chitieu.web import i18n
from chitieu.web.accounts import Accounts
from chitieu.web.compress import Compress
from chitieu.web.deps import form_threads
from chitieu.web.errors import error_body
from chitieu.web.events import Hub
from chitieu.web.limits import BodyLimit, NoNul
from chitieu.web.plotly_css import plotly_js
from chitieu.web.sessions import SESSION_HOURS, LoginThrottle, SessionActivity, Sessions
from chitieu.web.viewer import mask_access_log

LOG = logging.getLogger("chitieu.web")
STATIC = Path(__file__).parent / "static"
LANG_COOKIE = "chitieu_lang"
SESSION_COOKIE = "chitieu_session"
#: on every response — pages, the API, static files, errors. No inline script or style is
#: allowed (plotly.js's style sheets are files: ``web/plotly_css.py``); nothing may frame a page
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; "
        "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
}


def is_api(request: Request) -> bool:
    """Whether a request is for the JSON API (errors as JSON) rather than a page."""
    return request.url.path.startswith("/api/")


def _status_message(status: int) -> str:
    return {
        400: i18n._("The request is not valid."),
        401: i18n._("Sign in first."),
        403: i18n._("You may not do this."),
        404: i18n._("There is no such page."),
        405: i18n._("This method is not allowed here."),
        409: i18n._("Conflict."),
        422: i18n._("The request is not valid."),
    }.get(status, i18n._("Something went wrong."))


def _invalid_text(exc: RequestValidationError) -> tuple[str, str]:
    """The message and hint of a malformed request: a date parameter that is not one is told
    by name (``web/params.py``); anything else in general terms (the details list each)."""
    from chitieu.catalog.messages import error_text
    from chitieu.web.params import BAD_DATE

    for e in exc.errors():
        if e.get("type") == BAD_DATE:
            field = str((e.get("loc") or ("?",))[-1])
            text = str((e.get("ctx") or {}).get("text", ""))
            return error_text("input-bad-date", {"field": field, "text": text}, i18n.get_lang())
    return i18n._("The request is not valid."), ""


async def handle_error(request: Request, exc: Exception) -> Response:
    """The one error handler: JSON ``{ok, error, status}`` for the API, a page otherwise."""
    extra: dict[str, object] = {}
    headers: dict[str, str] = {}
    if isinstance(exc, ChitieuError):  # the one error tree: each class has its status
        status, (message, hint), extra = exc.http_status, exc.text(i18n.get_lang()), exc.extra
    elif isinstance(exc, RequestValidationError):
        status, (message, hint) = 422, _invalid_text(exc)
        extra["details"] = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in exc.errors()
        ]
    elif isinstance(exc, StarletteHTTPException):
        status, message, hint = exc.status_code, _status_message(exc.status_code), ""
        headers.update(exc.headers or {})
        if status == 405:  # every method the path takes (Starlette names one route's only)
            headers["Allow"] = allowed_methods(request)
    else:
        fault = fault_of(exc, request.app.state.store.url if _has_store(request) else "")
        if fault is not None:  # the database is locked, full, read-only, corrupt or gone
            status, (message, hint) = 503, fault.text(i18n.get_lang())
            headers["Retry-After"] = "5"
        else:  # a programming error: logged whole, told in general terms
            LOG.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
            status, message = 500, i18n._("Something went wrong.")
            hint = i18n._(
                "Nothing was half-written. Try again; if it happens again, tell the "
                "administrator (the details are in the server's log)."
            )
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if "retry_after" in extra:
        headers["Retry-After"] = str(extra.pop("retry_after"))
    if is_api(request):
        return JSONResponse(error_body(message, status, hint, **extra), status, headers=headers)
    if status == 401:
        nxt = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return RedirectResponse(f"/login?next={nxt}", 303)
    from chitieu.web.render import page

    response = page(
        request,
        "error.html",
        status_code=status,
        status=status,
        message=message,
        hint=hint,
        extra=extra,
    )
    response.headers.update(headers)
    return response


def allowed_methods(request: Request) -> str:
    """The methods the request's path answers, for the ``Allow`` header of a 405: those of
    every route of the path (a static file's: GET and HEAD)."""
    from starlette.routing import Mount

    path = request.url.path
    methods: set[str] = set()
    for route in all_routes(request.app):
        if isinstance(route, Mount):
            if path.startswith(route.path + "/"):
                methods |= {"GET", "HEAD"}
        elif (regex := getattr(route, "path_regex", None)) is not None and regex.match(path):
            methods |= set(getattr(route, "methods", None) or ())
    order = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
    return ", ".join(sorted(methods, key=lambda m: (order.index(m) if m in order else 99, m)))


def _has_store(request: Request) -> bool:
    return getattr(request.app.state, "store", None) is not None


class Faults:
    """ASGI middleware: an exception no handler took (a database fault, a bug) answers through
    :func:`handle_error` — a JSON 503 or 500 with a message, never a traceback or plain text."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if started:  # the answer is already on its way: nothing better can be said
                raise
            response = await handle_error(Request(scope, receive), exc)
            await response(scope, receive, send)


class LanguageAndHeaders:
    """ASGI middleware: the request's language from its cookie; security headers on responses."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        i18n.set_lang(i18n.pick_lang(Request(scope).cookies.get(LANG_COOKIE)))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for k, v in SECURITY_HEADERS.items():
                    headers.setdefault(k, v)
            await send(message)

        await self.app(scope, receive, with_headers)


def _warm_up(store: Store) -> None:
    """Load now, not on the first requests, what every save needs: the catalog, the unit
    registry, the forms, the rules, the messages, the number formats, and the checks' code
    paths (one value of the first form checked against the store; nothing is written). A
    worker that started cold would otherwise build these in every thread of its first burst
    of requests at once."""
    from chitieu.catalog.forms import forms
    from chitieu.catalog.indicators import catalog
    from chitieu.catalog.periods import year_periods
    from chitieu.catalog.units import registry
    from chitieu.check.findings import messages
    from chitieu.check.rules import rules
    from chitieu.check.runner import validate_values
    from chitieu.collect.numbers import parse_number
    from chitieu.store.rows import NewValue

    catalog()
    registry()
    rules()
    messages()
    for lang in ("vi", "en"):
        parse_number("1234,5" if lang == "vi" else "1234.5", lang)
    form = next(iter(forms().values()), None)
    year = datetime.now(UTC).year
    period = next((p for p in year_periods(year) if form and form.accepts(p)), None)
    if form is None or period is None or not form.indicators:
        return
    units = form.units_for(period)
    if units:
        sample = [NewValue(form.indicators[0], units[0], period.id, form.kind, 1.0)]
        validate_values(store, sample)


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """At shutdown the conference board's watcher is cancelled (web/events.py)."""
    yield
    await app.state.hub.close()


def create_app(
    store_url: str | None = None, *, store: Store | None = None, https: bool = False
) -> FastAPI:
    """The FastAPI app on the store at ``store_url`` (default: CHITIEU_DB or ./chitieu.db)."""
    from chitieu.web import assets, plotly_css, report_pages
    from chitieu.web.routes import (
        admin,
        admin_2fa,
        admin_forms,
        api_v1,
        auth,
        conference,
        conference_links,
        dashboard,
        dashboard_api,
        dashboard_pivot,
        dashboard_views,
        editions,
        entry,
        entry_pick,
        entry_upload,
        exchange,
        health,
        imports,
        notices,
        queue,
        slides,
        whatif,
        workflow,
    )

    store = store or open_store(store_url)
    accounts = Accounts(store)
    _warm_up(store)
    app = FastAPI(
        title="chitieu",
        version=__version__,
        description="Sector statistics and performance reviews: data entry, workflow, "
        "dashboards and the REST API (`/api/v1`, bearer tokens).",
        openapi_url="/openapi.json",
        docs_url=None,  # Swagger UI would load its files from a CDN
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.store = store
    app.state.accounts = accounts
    app.state.sessions = Sessions(store, accounts, SESSION_HOURS)
    app.state.throttle = LoginThrottle(store)  # counted in the store: shared by every process
    app.state.https = https
    app.state.form_threads = form_threads()  # a bad CHITIEU_FORM_THREADS: refused here
    app.state.hub = Hub(store)  # the conference board's watcher and clients (web/events.py)
    mask_access_log()  # no viewer token in the access log (web/viewer.py)

    # the cookie holds the session's id (and the CSRF token), signed; whether that session is
    # still open is asked of the store on every request (web/sessions.py)
    app.add_middleware(
        SessionMiddleware,
        secret_key=accounts.secret(),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_HOURS * 3600,
        same_site="lax",
        https_only=https,
    )
    # a body over the limit is refused before anything reads it
    app.add_middleware(BodyLimit, handle=handle_error)
    app.add_middleware(NoNul, handle=handle_error)  # no NUL reaches a query of the store
    app.add_middleware(Compress)  # pages and API answers brotli or gzip (web/compress.py)
    app.add_middleware(Faults)  # inside the headers: a 503 or 500 gets them too
    app.add_middleware(LanguageAndHeaders)
    app.add_middleware(SessionActivity)  # outermost: a session's activity written last
    for exc_type in (ChitieuError, StarletteHTTPException, RequestValidationError):
        app.add_exception_handler(exc_type, handle_error)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_file() -> FileResponse:
        return FileResponse(
            plotly_js(),
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    # The API first: its routes are the busiest, and Starlette tries routes in order (every
    # API path starts with /api/v1, so none of them can shadow a page).
    routers = (api_v1.router, whatif.router, notices.api, exchange.router, imports.router,
               auth.router, entry_pick.router, entry.router, entry_upload.router, workflow.router,
               dashboard.router, dashboard_api.router, dashboard_pivot.router,
               dashboard_views.router, queue.router, notices.router, editions.router,
               slides.router, conference.router, conference_links.router, admin.router,
               admin_forms.router, admin_2fa.router)  # fmt: skip
    for router in (*routers, report_pages.router, plotly_css.router, assets.router, health.router):
        app.include_router(router)
    return app


def app_from_env() -> FastAPI:
    """The app on ``CHITIEU_DB`` (uvicorn's factory for several worker processes)."""
    import os

    app = create_app(os.environ.get("CHITIEU_DB"), https=bool(os.environ.get("CHITIEU_HTTPS")))
    return freeze_startup(app)


def freeze_startup(app: FastAPI) -> FastAPI:
    """For a server process, once its app is built (``chitieu serve``, and each worker of
    ``--workers N`` through :func:`app_from_env`): what it loaded at start (code, catalog,
    rules, units) lives as long as the process. Frozen, the collector's full passes no longer
    walk it: under load they took 30–100 ms each, with every request of the process waiting.
    And the process keeps its child parser between uploads (``collect.childparser``); only a
    server does: building the app (a test, a script) leaves a process's reads one-shot."""
    import gc

    keep_reader()  # a server reads many uploads: its child parser waits for the next one

    gc.collect()
    gc.freeze()
    return app


def all_routes(app: FastAPI) -> list[object]:
    """Every route of the app, with included routers flattened (for tests and docs)."""
    out: list[object] = []

    def walk(routes: list[object]) -> None:
        for r in routes:
            inner = getattr(r, "original_router", None)
            if inner is not None:
                walk(list(inner.routes))
            else:
                out.append(r)

    walk(list(app.routes))
    return out
