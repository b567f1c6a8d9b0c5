"""Finding the report a command names: its form (code or old alias), unit (id, code or name,
as valid at the period's end), period and round (default: the round due next by the clock)."""

from __future__ import annotations

from datetime import date

from chitieu import clock
from chitieu.catalog.forms import Form, FormRound, forms
from chitieu.catalog.periods import Period
from chitieu.catalog.units import registry
from chitieu.store.values import Store
from chitieu.workflow.errors import WorkflowNotFound
from chitieu.workflow.state import Report, load_report


def find_form(code: str) -> Form:
    """The form with this code or alias (404, exit 2, naming the forms otherwise)."""
    got = forms().find(code)
    if got is None:
        names = ", ".join(f.code for f in forms())
        raise WorkflowNotFound("workflow-form-unknown", form=code, forms=names)
    return got


def find_round(form: Form, p: Period, text: str | None, today: date | None = None) -> FormRound:
    """The round ``text`` of the form; the round of ``p`` due next on ``today`` (the clock's)
    when none is given."""
    if not text:
        return form.round_for(p, today or clock.today())
    got = form.find_round(text)
    if got is None:
        rounds = ", ".join(str(r.round) for r in form.rounds)
        raise WorkflowNotFound("workflow-round-unknown", form=form.code, round=text, rounds=rounds)
    return got


def report_at(
    store: Store, form_code: str, unit: str, period: str, round_: str | None = None
) -> Report:
    """The report a command names; the unit must report the form for the period."""
    form = find_form(form_code)
    p = form.period(period)
    uid = registry().resolve(unit, p.end).id if "@" not in unit else registry().get(unit).id
    if uid not in form.units_for(p):
        raise WorkflowNotFound("workflow-not-reporter", unit=uid, form=form.code, period=p.id)
    return load_report(store, form, uid, p, find_round(form, p, round_))
