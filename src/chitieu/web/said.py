"""How the web tells a finding about a typed or uploaded value (issue 19, "Messages").

The core's findings are bilingual, but some of their texts are written for the command line:
a reader's reason in English, a value as Python prints it (``'-300.0'``), a hint that runs
``chitieu catalog``. The entry page and the upload's error table tell these findings in the
page's language whole (gettext, ``web/locale``), values in CLDR format (``chitieu.fmt``), the
indicator by its name, and a hint a person at a browser can follow: the allowed values, and a
link to the indicator's definition page. Other findings keep the core's own text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chitieu.catalog.indicators import catalog
from chitieu.fmt import format_number
from chitieu.web.i18n import _

#: how the core writes a number it read (``collect.numbers.shown``, Python's ``repr``):
#: ``-300.0``, ``12.25``, never trailing zeros after a decimal (``1.000`` is a typed text)
_MACHINE = re.compile(r"-?\d+\.(0|\d*[1-9])")


@dataclass(frozen=True)
class Said:
    """A finding as the page tells it; ``link``: the indicator's definition page."""

    message: str
    hint: str
    link: str | None = None


def said(fd: dict[str, Any], lang: str) -> Said:
    """The finding ``fd`` (``Finding.to_dict()``) in the page's language ``lang``."""
    tell = _TELL.get(str(fd.get("type")))
    if tell is not None:
        got = tell(fd, lang)
        if got is not None:
            return got
    return Said(fd["message"][lang], fd["hint"][lang])


def value_text(value: Any, lang: str, decimals: int | None = None) -> str:
    """A value of a finding as the page writes numbers (CLDR); a text as it was typed (a
    text is never read again here: "1.000" is a thousand in Vietnamese), except the core's
    own spelling of a number it read (``-300.0``)."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, str):
        if not _MACHINE.fullmatch(value.strip()):
            return value
        value = float(value)
    v = float(value)
    if not math.isfinite(v):
        return str(value)
    if decimals is None:
        text = repr(v)
        decimals = 0 if text.endswith(".0") or "e" in text else min(len(text.split(".")[1]), 6)
    return format_number(v, decimals, lang)


def _indicator(fd: dict[str, Any]) -> Any:
    code = fd.get("indicator") or (fd.get("params") or {}).get("indicator")
    return catalog().indicators.get(code) if code else None


def _example(lang: str) -> str:
    return "1.614.206 · 8,66" if lang == "vi" else "1,614,206 · 8.66"


def _bad_number(fd: dict[str, Any], lang: str) -> Said:
    """A text that is no number: said whole in the page's language (the reader's reason is
    English), with an example in that language."""
    return Said(
        _("“%(value)s” is not a number.") % {"value": fd.get("value", "")},
        _("Type digits, with the thousands grouped and the decimals marked, e.g. %(e)s.")
        % {"e": _example(lang)},
    )


def _link(ind: Any) -> str:
    return f"/dashboard/indicator/{ind.code}"


def _out_of_domain(fd: dict[str, Any], lang: str) -> Said | None:
    """A value outside what the indicator takes: its name, the value in CLDR format, the
    allowed values and the unit of measure; the definition page to read more."""
    ind = _indicator(fd)
    if ind is None:
        return None
    cat = catalog()
    return Said(
        _("%(name)s takes values %(domain)s; %(value)s is not one of them.")
        % {
            "name": ind.name(lang),
            "domain": ind.domain.describe(lang),
            "value": value_text(fd.get("value"), lang),
        },
        _("Check the sign (a minus), the unit of measure (%(measure)s) and the digits.")
        % {"measure": cat.measure(ind, lang)},
        _link(ind),
    )


def _not_integer(fd: dict[str, Any], lang: str) -> Said | None:
    """A fraction where the indicator counts whole things."""
    ind = _indicator(fd)
    if ind is None:
        return None
    return Said(
        _("%(name)s is a whole number; %(value)s is not.")
        % {"name": ind.name(lang), "value": value_text(fd.get("value"), lang)},
        _("Round it to a whole number (%(measure)s).") % {"measure": catalog().measure(ind, lang)},
        _link(ind),
    )


def _non_finite(fd: dict[str, Any], lang: str) -> Said:
    return Said(
        _("“%(value)s” is not a figure (not a finite number).") % {"value": fd.get("value", "")},
        _("Type digits, with the thousands grouped and the decimals marked, e.g. %(e)s.")
        % {"e": _example(lang)},
    )


def _period_name(text: Any, lang: str) -> str:
    from chitieu.catalog.periods import parse_period
    from chitieu.errors import PeriodError
    from chitieu.fmt import period_label

    try:
        return f"{period_label(parse_period(str(text)), lang)} ({text})"
    except PeriodError:
        return f"“{text}”"


def _unit_name(text: Any, lang: str) -> str:
    from chitieu.catalog.units import registry
    from chitieu.errors import UnitError

    try:
        u = registry().get(str(text))
    except UnitError:
        return f"“{text}”"
    return f"{u.name if lang == 'vi' else u.name_en} ({text})"


def _outside_form(fd: dict[str, Any], lang: str) -> Said | None:
    """A row of the upload that is not this report's: the cell that was changed named by
    what it holds and what the report is, in words."""
    params = fd.get("params") or {}
    column = fd.get("column")
    if column == "period" and params.get("expected_period"):
        got, want = (_period_name(x, lang) for x in (fd.get("period"), params["expected_period"]))
        message = _("The period cell holds %(got)s, but this file is the report of %(want)s.")
    elif column == "unit" and params.get("expected_unit"):
        got, want = (_unit_name(x, lang) for x in (fd.get("unit"), params["expected_unit"]))
        message = _("The unit cell holds %(got)s, but this file is the report of %(want)s.")
    else:
        return None
    return Said(
        message % {"got": got, "want": want},
        _("Put the template's own value back in this cell, or upload the file on the page of "
          "the report it belongs to."),
    )  # fmt: skip


_TELL: dict[str, Callable[[dict[str, Any], str], Said | None]] = {
    "outside-form": _outside_form,
    "bad-number": _bad_number,
    "out-of-domain": _out_of_domain,
    "not-integer": _not_integer,
    "non-finite-number": _non_finite,
}
