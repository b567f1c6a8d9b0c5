"""What the entry page shows beside each field and how it reads typed numbers.

- Numbers are read whatever the interface language (``collect.numbers.resolve_typed``): an
  unambiguous spelling is taken as written, an ambiguous one ("45.405") by the reading the user
  picked, the post's other numbers or the unit's habit (remembered in a setting), else refused
  at its field with both readings to pick from; nothing ambiguous is stored.
- Each field shows last year's value, the plan and the expected range
  (``workflow.context``: the import's outlier rules), so that a value outside it is flagged while
  typing (``static/entry.js``) and before the report is submitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from starlette.datastructures import FormData

from chitieu.collect.numbers import Locale, Typed, resolve_typed
from chitieu.fmt import format_number, period_label
from chitieu.store.values import Store
from chitieu.web import i18n
from chitieu.workflow.context import Context, number_habit, remember_habit
from chitieu.workflow.state import Report

LOCALES: tuple[Locale, ...] = ("vi", "en")


def fields(r: Report, data: FormData, prefix: str) -> dict[str, str]:
    """The posted fields ``prefix + indicator`` of the report's indicators."""
    return {
        c: str(data.get(f"{prefix}{c}", "")) for c in r.form.indicators if f"{prefix}{c}" in data
    }


def habit(store: Store, unit: str) -> Locale | None:
    """The unit's habitual number format, if one was decided before."""
    return cast(Locale | None, number_habit(store, unit))


def read_numbers(store: Store, r: Report, data: FormData) -> Typed:
    """The typed values, read whatever the page's language; a format the post decides (a
    picked reading, or its own unambiguous numbers) is remembered as the unit's habit."""
    chosen = next((str(v) for k, v in data.items() if k.startswith("n__") and v in LOCALES), None)
    known = habit(store, r.unit)
    texts = fields(r, data, "v__")
    base = fields(r, data, "b__")
    # a field left as the page wrote it (in the page's language) is the value it was written
    # from: it neither asks nor decides anything about the format the user types in
    kept = {c: float(base[c]) for c, t in texts.items() if base.get(c) and t == _written(base[c])}
    typed = resolve_typed({c: t for c, t in texts.items() if c not in kept}, known,
                          cast(Locale | None, chosen))  # fmt: skip
    typed.values.update(kept)
    if typed.decided is not None and typed.decided != known:
        remember_habit(store, r.unit, typed.decided)
    return typed


def _written(machine: str) -> str:
    """A base value as the page wrote it into its field (``render.input_number``)."""
    from chitieu.web.render import input_number

    try:
        return input_number(float(machine))
    except ValueError:
        return ""


def reading(value: float, locale: Locale) -> dict[str, str]:
    """One reading of an ambiguous text, for the radio buttons: the value in the page's own
    format, and what the mark means in it."""
    lang = i18n.get_lang()
    shown = format_number(value, 6, lang).rstrip("0").rstrip(",.") if value % 1 else None
    return {
        "locale": locale,
        "value": shown or format_number(value, 0, lang),
        "means": (
            i18n._("the dot groups thousands, the comma marks decimals (Vietnamese)")
            if locale == "vi"
            else i18n._("the comma groups thousands, the dot marks decimals (English)")
        ),
    }


@dataclass(frozen=True)
class Beside:
    """What a field shows beside it, in the page's language."""

    last_year: str | None
    last_year_label: str
    plan: str | None
    plan_label: str
    low: str | None
    high: str | None
    data: dict[str, str]  # data-* attributes read by entry.js (machine numbers)


def beside(ctx: Context | None, decimals: int) -> Beside | None:
    """The comparisons of one field, formatted for the page."""
    if ctx is None:
        return None
    lang = i18n.get_lang()
    from chitieu.catalog.periods import parse_period

    def fmt(v: float | None) -> str | None:
        return None if v is None else format_number(v, decimals, lang)

    data = {k: repr(v) for k, v in (("low", ctx.low), ("high", ctx.high)) if v is not None}
    return Beside(
        fmt(ctx.last_year),
        period_label(parse_period(ctx.last_year_period), lang),
        fmt(ctx.plan),
        period_label(parse_period(ctx.plan_period), lang),
        fmt(ctx.low),
        fmt(ctx.high),
        data,
    )


def outside_without_reason(
    r: Report, context: dict[str, Context], comments: dict[str, str]
) -> list[str]:
    """The indicators whose stored value lies outside the expected range and whose comment
    (the reason the analyst reads) is empty."""
    out = []
    for code, cell in r.cells.items():
        ctx = context.get(code)
        reason = comments.get(code, cell.comment or "")
        if ctx is not None and ctx.outside(cell.value) and not reason.strip():
            out.append(code)
    return out


def flagged(r: Report, context: dict[str, Context]) -> list[dict[str, Any]]:
    """The report's values outside the expected range, with the reason given (for the review
    summary the analyst sees first)."""
    return [
        {"code": code, "value": cell.value, "reason": cell.comment or "", "ctx": context[code]}
        for code, cell in r.cells.items()
        if code in context and context[code].outside(cell.value)
    ]
