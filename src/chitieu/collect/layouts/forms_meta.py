"""An official sheet's own facts: which form it is, its period and its reporting unit.

Read from the block above the header ("Biểu số: 01/TTTT-6T", the title "… 6 THÁNG ĐẦU NĂM
2023", "Đơn vị báo cáo: Sở TT&TT tỉnh Long An") or taken from the command's options; when
both are given they must agree. Each problem is a finding at the cell it comes from.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any

from chitieu.catalog.forms import Form, Reporters, forms
from chitieu.catalog.periods import Period, parse_period
from chitieu.catalog.units import registry
from chitieu.catalog.vocabulary import NATION_ID
from chitieu.collect.layouts.grid import Grid
from chitieu.collect.layouts.headers import title_period, words
from chitieu.errors import PeriodError, UnitError

if TYPE_CHECKING:
    from chitieu.collect.layouts.wide import _Sheet

_NUMBER = re.compile(r"^bieu so\b|^bieu\s*:")
_REPORTER = re.compile(r"^don vi bao cao\b")
#: where a province's name starts in a department's name
_PROVINCE = re.compile(r"\b(tỉnh|thành phố|tp\.?)\s+\S.*$", re.IGNORECASE)


def _after_label(grid: Grid, row: int, col: int) -> str:
    """The text after a label's colon in its cell, else the next non-empty cell of the row."""
    text = grid.text(row, col)
    if ":" in text and text.split(":", 1)[1].strip():
        return text.split(":", 1)[1].strip()
    for c in range(col + 1, grid.width()):
        t = grid.text(row, c)
        if t and t != text:
            return t
    return ""


def _by_number(text: str) -> Form | None:
    """The form whose number the text is (or holds: the longest such number)."""
    w = words(text)
    found = [f for f in forms() if f.layout is not None and words(f.layout.number) in w]
    exact = [f for f in found if f.layout is not None and words(f.layout.number) == w]
    if exact or not found:
        return exact[0] if exact else None
    return max(found, key=lambda f: len(f.layout.number) if f.layout else 0)


def _by_rows(sheet: _Sheet, head: int) -> Form | None:
    """The form of the title's period type whose row labels the sheet holds most of."""
    p = find_period(sheet.grid, head)[0]
    texts = {words(c) for n in sheet.grid.numbers() if n > head for c in sheet.grid.rows[n]
             if isinstance(c, str)}  # fmt: skip
    best, most = None, 0
    for form in forms():
        if form.layout is None or (p is not None and p.type != form.period_type):
            continue
        hits = sum(1 for r in form.layout.rows if words(r.label) in texts)
        if hits > most:
            best, most = form, hits
    return best


def find_form(sheet: _Sheet, head: int) -> Form | None:
    """The sheet's form (a finding if none can be told)."""
    grid, opts = sheet.grid, sheet.options
    if opts.form:
        form = forms().get(opts.form)  # an unknown code: CatalogError, a usage error
        if form.layout is None:
            sheet.add("form-no-layout", value=form.code, params={"form": form.code})
            return None
        return form
    at = grid.find(_NUMBER, upto=head)
    if at is not None:
        number = _after_label(grid, *at) or grid.text(*at)
        got = _by_number(number) or _by_number(grid.text(*at))
        if got is not None:
            return got
    got = _by_rows(sheet, head)
    if got is None:
        where = at or (head, 0)
        shown = [f.layout.number for f in forms() if f.layout is not None]
        sheet.add(
            "form-unknown", *where, value=grid.text(*where), params={"forms": ", ".join(shown)}
        )
    return got


def find_period(grid: Grid, head: int, sheet: _Sheet | None = None) -> tuple[Period | None, Any]:
    """The period of the sheet: its title's, or the option's (a finding, with ``sheet``, when
    they disagree or neither says one); and the title's cell."""
    title, at = None, None
    for n in grid.numbers():
        if n >= head:
            break
        for c, v in enumerate(grid.rows[n]):
            if isinstance(v, str) and (p := title_period(v)) is not None and "bao cao" in words(v):
                title, at = p, (n, c)
                break
        if title is not None:
            break
    if sheet is None:
        return title, at
    return _settle(sheet, title, at), at


def _settle(sheet: _Sheet, title: Period | None, at: Any) -> Period | None:
    opt = sheet.options.period
    given = None
    if opt:
        try:
            given = parse_period(opt)
        except PeriodError as exc:
            raise PeriodError(exc.message, exc.hint) from None  # a usage error (exit 2)
    where = at or (None, None)
    if title is not None and given is not None and title.id != given.id:
        sheet.add("form-period-mismatch", *where, value=sheet.grid.text(*at),
                  params={"title": title.id, "given": given.id})  # fmt: skip
        return None
    p = title or given
    if p is None:
        sheet.add("form-no-period", *where)
        return None
    assert sheet.form is not None
    if p.type != sheet.form.period_type:
        params = {"form": sheet.form.code, "type": str(sheet.form.period_type)}
        sheet.add("form-period-type", *where, value=p.id, params=params)
        return None
    return p


def find_unit(sheet: _Sheet, head: int) -> str | None:
    """The reporting unit: the nation's for a nation's form, else the "Đơn vị báo cáo"
    line's province or ``--unit`` (a finding when it is unknown, merged or missing)."""
    assert sheet.form is not None and sheet.period is not None
    if sheet.form.reporters == Reporters.NATION:
        return NATION_ID
    grid = sheet.grid
    at = grid.find(_REPORTER, upto=head)
    text = sheet.options.unit or (_after_label(grid, *at) if at is not None else "")
    where = at if at is not None and not sheet.options.unit else (None, None)
    if not text:
        sheet.add("form-no-unit", *where)
        return None
    try:
        return _resolve(text, sheet.period)
    except UnitError as exc:
        params = {}
        for lang in ("vi", "en"):
            params[f"reason_{lang}"], params[f"suggestion_{lang}"] = exc.text(lang)
        sheet.add("form-unit", *where, value=text, params={"period": sheet.period.id, **params})
        return None


def _resolve(text: str, p: Period) -> str:
    """The unit a department's line names: the whole text, else the province's part."""
    reg = registry()
    text = unicodedata.normalize("NFC", text)
    try:
        return reg.resolve(text, p.end).id
    except UnitError:
        m = _PROVINCE.search(text)
        if m is None:
            raise
        return reg.resolve(m.group(0), p.end).id
