"""Finding the form, round, unit and period a URL names, and checking the account may touch
them."""

from __future__ import annotations

from chitieu.catalog.forms import Form, FormRound, forms
from chitieu.catalog.periods import Period, parse_period
from chitieu.catalog.units import registry
from chitieu.errors import ChitieuError, PeriodError, UnitError
from chitieu.store.values import Store
from chitieu.web.accounts import Account
from chitieu.web.deps import require_read, require_write
from chitieu.web.errors import NotFound
from chitieu.web.i18n import _, get_lang
from chitieu.workflow import locate as core_locate
from chitieu.workflow.state import Report, load_report


def _not_found(exc: ChitieuError) -> NotFound:
    """404 saying the core's error in the page's language (where the error has both)."""
    return NotFound(*exc.text(get_lang()))


def find_form(code: str) -> Form:
    """The form with this code; 404 if there is none."""
    found = forms().find(code)
    if found is None:
        raise NotFound(
            _("There is no reporting form %(code)s.") % {"code": code},
            ", ".join(f.code for f in forms()),
        )
    return found


def find_period(form: Form, text: str) -> Period:
    """The period ``text`` of the form's period type; 404 otherwise, in the page's language,
    offering the form's periods of that year by name (``choices``: the error page links them)."""
    try:
        return form.period(text)
    except PeriodError:
        raise NotFound(
            _("“%(text)s” is not a period of this form.") % {"text": text[:40]},
            _("“%(form)s” is reported per %(type)s. Pick one of its periods below.")
            % {"form": form.name(get_lang()), "type": _(str(form.period_type))},
            bad=text[:40],
            choices=period_choices(form, text),
        ) from None


def period_choices(form: Form, text: str) -> list[dict[str, str]]:
    """The form's periods of the year ``text`` starts with (else this year), by name."""
    import re

    from chitieu import clock
    from chitieu.catalog.periods import year_periods
    from chitieu.fmt import period_label

    m = re.match(r"\s*(\d{4})", text)
    year = int(m.group(1)) if m and 2000 <= int(m.group(1)) <= 2100 else clock.today().year
    return [
        {"period": p.id, "label": period_label(p, get_lang())}
        for p in year_periods(year)
        if form.accepts(p)
    ]


def find_round(form: Form, p: Period, text: str | None) -> FormRound:
    """The round ``text`` of the form (estimate, actual, plan); the round of ``p`` due next by
    the clock when none is given; 404 if the form has no such round."""
    return core_locate.find_round(form, p, text)


def find_indicator(code: str) -> str:
    """An indicator code of the catalog; 404 (with the closest codes) otherwise."""
    from chitieu.catalog.indicators import catalog

    cat = catalog()
    if code in cat.indicators:
        return code
    try:
        cat.get(code)
    except ChitieuError as exc:
        raise _not_found(exc) from None
    return code


def find_unit(unit: str) -> str:
    """A unit id that exists; 404 otherwise."""
    try:
        return registry().get(unit).id
    except UnitError as exc:
        raise _not_found(exc) from None


def locate(
    user: Account, form_code: str, unit: str, period: str, write: bool = False
) -> tuple[Form, str, Period]:
    """(form, unit, period) of a form URL, after checking the account may read (or write) it."""
    form = find_form(form_code)
    p = find_period(form, period)
    uid = find_unit(unit)
    (require_write if write else require_read)(user, uid)
    if uid not in form.units_for(p):
        raise NotFound(
            _("%(unit)s does not report form %(form)s for %(period)s.")
            % {"unit": uid, "form": form.code, "period": p.id},
            _("Pick a unit from the form's list."),
        )
    return form, uid, p


def locate_report(
    store: Store,
    user: Account,
    form_code: str,
    unit: str,
    period: str,
    round_: str | None,
    write: bool = False,
) -> Report:
    """The report a URL names (its round from ``?round=``, else the round due next), after
    checking the account may read (or write) its unit."""
    f, uid, p = locate(user, form_code, unit, period, write)
    r = load_report(store, f, uid, p, find_round(f, p, round_))
    if user.role == "viewer" and r.status in (None, "draft", "reopened"):
        # a viewer (a leader) reads what units have submitted, never their drafts (issue 20)
        from chitieu.web.errors import Forbidden
        from chitieu.web.i18n import _

        raise Forbidden(
            _("This report has not been submitted yet; viewers see reports once submitted."),
            _("Open the dashboard for the figures that count."),
        )
    return r


def parse_any_period(text: str) -> Period:
    """Any period id; 404 if it cannot be parsed."""
    try:
        return parse_period(text)
    except PeriodError as exc:
        raise _not_found(exc) from None
