"""Pickers: wherever a period, form, round or unit is chosen, the choices by their human names
("6 tháng đầu năm 2026", "Tỉnh An Giang"), the due and current periods first, every round; no
code has to be typed. ``GET /entry`` opens the chosen report's form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from chitieu import clock
from chitieu.catalog.forms import Form, forms
from chitieu.catalog.periods import Period, year_periods
from chitieu.catalog.units import registry
from chitieu.fmt import period_label
from chitieu.web import i18n
from chitieu.web.accounts import Account
from chitieu.web.deps import User, require_read
from chitieu.web.scope import find_form, find_period, find_unit
from chitieu.workflow.words import round_title, word

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Choice:
    """One option of a picker: what is posted, what is shown, and whether it is due now."""

    value: str
    label: str
    due: bool = False


def period_choices(form: Form, today: date) -> list[Choice]:
    """The form's periods: those with a round due next first (labelled with that round and its
    deadline), then the current one and those before it, of this year and the two before."""
    lang = i18n.get_lang()
    out: list[Choice] = []
    seen: set[str] = set()
    for p, rnd in form.due_next(today, 2):
        if p.id not in seen:
            title = round_title(str(rnd.round), p, lang, rnd.deadline.due(p))
            out.append(Choice(p.id, title, True))
            seen.add(p.id)
    years = range(today.year, today.year - 3, -1)
    rest = [p for y in years for p in year_periods(y) if form.accepts(p) and p.start <= today]
    for p in sorted(rest, key=lambda p: p.start, reverse=True):
        if p.id not in seen:
            out.append(Choice(p.id, period_label(p, lang)))
            seen.add(p.id)
    return out


def unit_choices(form: Form, user: Account, p: Period) -> list[Choice]:
    """The units of the form the account may open, by name (its own first)."""
    lang = i18n.get_lang()
    reg = registry()
    ids = [u for u in form.units_for(p) if user.can_read(u)]
    ids.sort(key=lambda u: (u not in user.units, reg.get(u).name))
    return [Choice(u, reg.get(u).name if lang == "vi" else reg.get(u).name_en) for u in ids]


def forms_for(user: Account) -> list[Form]:
    """The forms the account reports or reviews: a province's accounts are not offered the
    ministry's own (national) forms."""
    today = clock.today()
    out = []
    for f in forms().values():
        p = f.due_next(today, 1)[0][0]
        if user.sees_all or any(user.can_read(u) for u in f.units_for(p)):
            out.append(f)
    return out


def round_choices(form: Form) -> list[Choice]:
    """Every round of the form, by name."""
    lang = i18n.get_lang()
    return [Choice(str(r.round), word("rounds", str(r.round), lang)) for r in form.rounds]


def pickers(user: Account) -> list[dict[str, object]]:
    """For each form the account works on: its periods, rounds and units to pick from."""
    today = clock.today()
    out = []
    for f in forms_for(user):
        p, _rnd = f.due_next(today, 1)[0]
        out.append(
            {
                "form": f,
                "periods": period_choices(f, today),
                "rounds": round_choices(f),
                "units": unit_choices(f, user, p),
            }
        )
    return out


@router.get("/entry")
def pick(
    request: Request, user: User, form: str = "", unit: str = "", period: str = "", round: str = ""
) -> RedirectResponse:
    """Open the chosen report's form (the account's first unit, the period due next and its
    round by default); the board when no unit can be chosen."""
    f = find_form(form) if form else forms_for(user)[0]
    if period:
        p = find_period(f, period)
    else:
        p, rnd = f.due_next(clock.today(), 1)[0]
        round = round or str(rnd.round)
    units = unit_choices(f, user, p)
    uid = find_unit(unit) if unit else (units[0].value if units else "")
    if uid:
        require_read(user, uid)
    query = f"?round={round}" if round else ""
    if not uid:
        return RedirectResponse(f"/board/{f.code}/{p.id}{query}", 303)
    return RedirectResponse(f"/entry/{f.code}/{uid}/{p.id}{query}", 303)
