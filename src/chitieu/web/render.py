"""Server-rendered pages: the Jinja2 environment with gettext, number and period filters."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from chitieu.catalog.indicators import catalog
from chitieu.catalog.periods import parse_period
from chitieu.catalog.units import registry
from chitieu.fmt import format_number, format_pct, period_label
from chitieu.web import i18n
from chitieu.web.deps import csrf_token
from chitieu.workflow import words

TEMPLATES = Path(__file__).parent / "templates"
#: most decimals an entry field shows (so an unchanged field saves the same value back)
MAX_INPUT_DECIMALS = 6


def number(value: float | None, decimals: int = 0) -> str:
    """A number in the page's language (empty for None)."""
    return "" if value is None else format_number(value, decimals, i18n.get_lang())


def pct(value: float | None, sign: bool = False) -> str:
    """A percentage in the page's language (— for None)."""
    return "—" if value is None else format_pct(value, 2, i18n.get_lang(), sign=sign)


def input_number(value: float | None) -> str:
    """A stored value as typed back: every decimal it has (up to six), no rounding."""
    if value is None:
        return ""
    exp = Decimal(repr(value)).normalize().as_tuple().exponent
    decimals = min(max(-int(exp), 0), MAX_INPUT_DECIMALS) if isinstance(exp, int) else 0
    return format_number(value, decimals, i18n.get_lang())


def period_name(pid: str) -> str:
    """A period's name in the page's language."""
    return period_label(parse_period(pid), i18n.get_lang())


def unit_name(uid: str) -> str:
    """A unit's name."""
    u = registry().get(uid)
    return u.name if i18n.get_lang() == "vi" else f"{u.name_en}"


def indicator_name(code: str) -> str:
    """An indicator's name in the page's language."""
    return catalog().get(code).name(i18n.get_lang())


def measure(code: str) -> str:
    """An indicator's unit of measure in the page's language."""
    cat = catalog()
    return cat.measure(cat.get(code), i18n.get_lang())


def status_label(state: str | None) -> str:
    """A report's state in the page's language (the workflow's words)."""
    return words.state_label(state, i18n.get_lang())


def action_label(action: str, on_behalf: bool = False) -> str:
    """What an event did, in the page's language."""
    return words.action_label(action, i18n.get_lang(), on_behalf)


def word(key: object, group: str) -> str:
    """A word of the workflow (roles, levels, rounds, timeliness) in the page's language."""
    return words.word(group, key, i18n.get_lang())


def day(d: Any) -> str:
    """A day as the page's language writes it (21/12/2026, 21 Dec 2026)."""
    return "" if d is None else words.format_day(d, i18n.get_lang())


def when(dt: Any) -> str:
    """A UTC timestamp shown in Vietnam time, dd/mm/yyyy HH:MM."""
    if dt is None:
        return ""
    from zoneinfo import ZoneInfo

    local = dt.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    return local.strftime("%d/%m/%Y %H:%M")


def notice_text(part: str, **params: Any) -> str:
    """A word of the notices page or the bell in the page's language (``notices.yaml``)."""
    from chitieu.catalog.messages import message

    return message("notices-page", i18n.get_lang(), part, **params)


def unread(request: Request, user: Any) -> int | None:
    """The bell's figure: the signed-in account's unread notices (None if it cannot be read,
    e.g. on the page that tells the database is down)."""
    from chitieu.workflow.notices import unread_count

    store = getattr(request.app.state, "store", None)
    if user is None or store is None:
        return None
    try:
        return unread_count(store, user.id)
    except Exception:  # a fault of the database: the page tells it; the bell stays empty
        return None


def per_request(f: Any) -> Any:
    """``f`` as a filter Jinja never runs while compiling: most filters read the request's
    language, and Jinja folds a filter of constants (``"on_time"|word("timeliness")``) into the
    compiled template, in the language of the first request that compiled it (issue 19: the
    English board said "đúng hạn")."""
    import functools

    import jinja2

    @jinja2.pass_context
    @functools.wraps(f)
    def run(_context: Any, *args: Any, **kwargs: Any) -> Any:
        return f(*args, **kwargs)

    return run


def _make() -> Jinja2Templates:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
    )
    t = Jinja2Templates(env=env)
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    filters = dict(
        number=number,
        pct=pct,
        input_number=input_number,
        period=period_name,
        unit=unit_name,
        indicator=indicator_name,
        measure=measure,
        when=when,
        status=status_label,
        action=action_label,
        word=word,
        day=day,
    )
    env.filters.update({k: per_request(f) for k, f in filters.items()})
    env.globals["lang"] = i18n.get_lang
    from chitieu.web.assets import asset

    env.globals["asset"] = asset  # fingerprinted static files (web/assets.py)
    env.globals["notice_text"] = notice_text
    return t


templates = _make()


def page(request: Request, name: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    """Render template ``name`` for ``request``."""
    ctx.setdefault("user", getattr(request.state, "account", None))
    if "unread" not in ctx:
        ctx["unread"] = unread(request, ctx["user"])
    # a page answered before the session is read (a body refused by web.limits.BodyLimit,
    # outside the session middleware) has no session and needs no form token
    ctx["csrf"] = csrf_token(request) if "session" in request.scope else ""
    ctx["path"] = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
