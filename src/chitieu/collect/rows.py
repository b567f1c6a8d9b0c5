"""Checking one row of the long layout: aliases of headers, kinds and statuses; RowChecker.

Shared by the file import (``collect.importer``), the web form and the REST API, so that a
value is read and checked the same way wherever it comes from.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from chitieu.catalog.indicators import Catalog, Indicator, ValueType, catalog
from chitieu.catalog.periods import Period, parse_period
from chitieu.catalog.units import UnitRegistry, registry, strip_diacritics
from chitieu.catalog.vocabulary import Kind, Status
from chitieu.check.findings import Finding
from chitieu.collect.comments import comment_finding, too_long
from chitieu.collect.numbers import (
    AmbiguousNumberError,
    Locale,
    NonFiniteNumberError,
    finite,
    parse_number,
    plain_decimal,
    shown,
)
from chitieu.errors import NumberFormatError, PeriodError, UnitError
from chitieu.store.values import NewValue

REQUIRED = ("indicator", "unit", "period", "value", "kind")
OPTIONAL = ("comment", "status")


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-./]+", "", strip_diacritics(str(text)).casefold())


#: accepted header names (compared without case, diacritics, spaces or underscores)
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "indicator": ("indicator", "chỉ tiêu", "mã chỉ tiêu", "dataelement", "ma_chi_tieu"),
    "unit": ("unit", "đơn vị", "mã đơn vị", "tỉnh", "tỉnh/thành phố", "orgunit", "địa phương"),
    "period": ("period", "kỳ", "kỳ báo cáo", "thời kỳ"),
    "value": ("value", "giá trị", "số liệu"),
    "kind": ("kind", "loại", "loại số liệu"),
    "comment": ("comment", "ghi chú"),
    "status": ("status", "trạng thái"),
}
_HEADERS = {_norm(a): col for col, aliases in HEADER_ALIASES.items() for a in aliases}

KIND_ALIASES = {
    Kind.ACTUAL: ("actual", "thực hiện", "th", "a"),
    Kind.ESTIMATE: ("estimate", "ước", "ước tính", "ước đạt", "ước thực hiện", "e"),
    Kind.PLAN: ("plan", "kế hoạch", "kh", "target", "p"),
}
_KINDS = {_norm(a): k for k, aliases in KIND_ALIASES.items() for a in aliases}
STATUS_ALIASES = {
    Status.PROVISIONAL: ("provisional", "sơ bộ", "tạm tính"),
    Status.FINAL: ("final", "chính thức"),
}
_STATUSES = {_norm(a): s for s, aliases in STATUS_ALIASES.items() for a in aliases}
_PLAIN_INT = re.compile(r"^-?[0-9]{1,15}$")
#: characters no cell may hold: NUL (PostgreSQL refuses it in text), the other C0 and C1
#: control characters but tab, line feed and carriage return, and lone UTF-16 surrogates
#: (JSON "\ud800": not encodable as UTF-8, neither for the database nor for the response)
BAD_TEXT = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_BAD_TEXT = re.compile(f"[{BAD_TEXT}\\ud800-\\udfff]")
#: invisible characters a cell may hold unseen, pasted from a web page, Word or a PDF: zero
#: width space, non-joiner and joiner, word joiner, and the byte-order mark (U+FEFF) inside
#: a text; a code that holds one is not the code it shows
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_INVISIBLE = re.compile(f"[{INVISIBLE}]")
#: either kind: what the fast path leaves to the full check, and what is shown as <U+…>
SUSPECT_TEXT = f"{BAD_TEXT}{INVISIBLE}"
_SUSPECT = re.compile(f"[{SUSPECT_TEXT}\\ud800-\\udfff]")
_SHOWN_CHARS = 60


def bad_text(cell: Any) -> bool:
    """True when a text cell holds a character no cell may hold (see ``BAD_TEXT``)."""
    return isinstance(cell, str) and _BAD_TEXT.search(cell) is not None


def invisible_text(cell: Any) -> bool:
    """True when a text cell holds an invisible character (see ``INVISIBLE``)."""
    return isinstance(cell, str) and _INVISIBLE.search(cell) is not None


def suspect(cell: Any) -> bool:
    """True when a text cell holds a forbidden or an invisible character."""
    return isinstance(cell, str) and _SUSPECT.search(cell) is not None


def visible(text: str) -> str:
    """The text with each forbidden or invisible character written as <U+0000>, safe to show
    and to send, and seen."""
    cut = text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…"
    return _SUSPECT.sub(lambda m: f"<U+{ord(m.group()):04X}>", cut)


def _chars(text: str, pattern: re.Pattern[str] = _BAD_TEXT) -> str:
    """The characters of a text that ``pattern`` finds, named: "U+0000, U+001B"."""
    return ", ".join(dict.fromkeys(f"U+{ord(c):04X}" for c in pattern.findall(text)))


def invisible_chars(text: str) -> str:
    """The invisible characters of a text, named: "U+200B, U+FEFF"."""
    return _chars(text, _INVISIBLE)


def _odd_text(cell: Any) -> tuple[str, str] | None:
    """The finding type and the characters of a cell holding forbidden characters
    (``bad-text``) or invisible ones (``invisible-text``); None for any other cell."""
    if bad_text(cell):
        return "bad-text", _chars(cell)
    if invisible_text(cell):
        return "invisible-text", invisible_chars(cell)
    return None


def without_invisible(text: str) -> str:
    """The text without its invisible characters."""
    return _INVISIBLE.sub("", text)


def _unit_reasons(exc: UnitError) -> dict[str, str]:
    """The finding's parameters saying why a unit is unknown, in each language."""
    out = {}
    for lang in ("vi", "en"):
        out[f"reason_{lang}"], out[f"suggestion_{lang}"] = exc.text(lang)
    return out


def _domain_params(ind: Indicator) -> dict[str, str]:
    """The parameters of an out-of-domain finding: the range and the indicator's name."""
    out = {}
    for lang in ("vi", "en"):
        out[f"domain_{lang}"] = ind.domain.describe(lang)
        out[f"name_{lang}"] = ind.name(lang)
    return out


class RowChecker:
    """Turns rows of cells into values, reporting every problem it finds."""

    def __init__(
        self,
        cat: Catalog | None = None,
        units: UnitRegistry | None = None,
        locale: Locale | None = None,
    ) -> None:
        self.cat = cat or catalog()
        self.units = units or registry()
        self.locale = locale
        self._unit_cache: dict[tuple[str, Any], str | UnitError] = {}
        self._period_cache: dict[str, Period | None] = {}
        #: per column, raw cell → what it resolves to (None: not good, see the full check)
        self._resolvers = (("indicator", self._ind), ("period", self._per),
                           ("kind", self._kind), ("status", self._status))  # fmt: skip
        self._cells: dict[str, dict[Any, Any]] = {col: {} for col, _ in self._resolvers}
        self._units_seen: dict[tuple[Any, str], str] = {}

    def _period(self, text: str) -> Period | None:
        if text not in self._period_cache:
            try:
                self._period_cache[text] = parse_period(text)
            except PeriodError:
                self._period_cache[text] = None
        return self._period_cache[text]

    def _unit(self, text: str, p: Period) -> str | UnitError:
        key = (text, p.end)
        if key not in self._unit_cache:
            try:
                self._unit_cache[key] = self.units.resolve(text, p.end).id
            except UnitError as exc:
                self._unit_cache[key] = exc
        return self._unit_cache[key]

    def _number(self, raw: Any) -> float | Finding:
        if isinstance(raw, bool):  # JSON true is not 1
            return Finding("boolean-value", value=str(raw).lower())
        if isinstance(raw, int | float | Decimal):  # JSON's numbers, a spreadsheet's numeric cell
            try:
                return finite(raw)
            except NonFiniteNumberError:
                return Finding("non-finite-number", value=shown(raw))
        text = str(raw)
        if _PLAIN_INT.match(text):
            return float(text)
        try:
            return parse_number(text, self.locale).value
        except NonFiniteNumberError:
            return Finding("non-finite-number", value=text)
        except AmbiguousNumberError as exc:
            readings = " / ".join(f"{lc}: {v:g}" for lc, v in exc.readings.items())
            return Finding("ambiguous-number", value=text, params={"readings": readings})
        except NumberFormatError as exc:
            return Finding(
                "bad-number", value=text, params={"reason": exc.message, "suggestion": exc.hint}
            )

    def _ind(self, cell: Any) -> tuple[str, bool, float, float] | None:
        """(code, whole numbers only, lowest, highest value) of a reportable indicator."""
        code = str(cell or "").strip()
        ind = self.cat.indicators.get(code) or self.cat.indicators.get(code.upper())
        if not code or ind is None or ind.is_derived or suspect(cell):
            return None
        lo, hi = ind.domain.min, ind.domain.max
        return (ind.code, ind.value_type == ValueType.INTEGER,
                -math.inf if lo is None else lo, math.inf if hi is None else hi)  # fmt: skip

    def _per(self, cell: Any) -> tuple[Period, str] | None:
        text = str(cell or "").strip()
        period = self._period(text) if text and not suspect(cell) else None
        return None if period is None else (period, period.id)

    def _kind(self, cell: Any) -> str | None:
        text = str(cell or "").strip()
        return _KINDS.get(_norm(text)) if text and not suspect(cell) else None

    def _status(self, cell: Any) -> str | None:
        if suspect(cell):
            return None
        text = str(cell or "").strip()
        return _STATUSES.get(_norm(text)) if text else Status.PROVISIONAL

    def _fast(self, cells: dict[str, Any]) -> NewValue | None:
        """The row's value when every cell is good, from per-cell caches; None otherwise.

        A file repeats few distinct indicators, units, periods and kinds, so each is resolved
        once. None sends the row to the full check, which then reports what is wrong.
        """
        got: list[Any] = []
        try:
            for col, resolve in self._resolvers:
                cell = cells.get(col)
                cache = self._cells[col]
                if cell in cache:
                    hit = cache[cell]
                else:
                    hit = cache[cell] = resolve(cell)
                if hit is None:
                    return None
                got.append(hit)
            (code, integer, lo, hi), (period, pid), kind, status = got
            ucell = cells.get("unit")
            ukey = (ucell, pid)
            unit = self._units_seen.get(ukey)
        except TypeError:  # an unhashable cell
            return None
        if unit is None:
            unit = self._fast_unit(ucell, period, ukey)
            if unit is None:
                return None
        value = self._fast_value(cells.get("value"))
        if value is None:
            return None
        if (integer and value != int(value)) or not lo <= value <= hi:
            return None
        cell = cells.get("comment")
        comment = str(cell or "").strip() or None
        if (cell is not None and suspect(cell)) or too_long(comment):  # the full check names it
            return None
        return NewValue(code, unit, pid, kind, value, status, comment)

    def _fast_unit(self, ucell: Any, period: Period, ukey: tuple[Any, str]) -> str | None:
        """The unit id of a unit cell not seen before for this period (kept), or None."""
        utext = str(ucell or "").strip()
        found = self._unit(utext, period) if utext and not suspect(ucell) else None
        if not isinstance(found, str):
            return None
        self._units_seen[ukey] = found
        return found

    def _fast_value(self, raw: Any) -> float | None:
        """The value of a good value cell; None if it is empty or not a number."""
        if raw is None or raw == "":
            return None
        plain = plain_decimal(self.locale)
        if isinstance(raw, str) and plain is not None and plain.match(raw):
            return float(raw.replace(",", "."))
        value = self._number(raw)
        return None if isinstance(value, Finding) else value

    def check(self, cells: dict[str, Any], where: dict[str, Any]) -> NewValue | list[Finding]:
        """One row's value, or the findings that stop it (``where`` locates them)."""
        return self._fast(cells) or self._check(cells, where)

    def _check(self, cells: dict[str, Any], where: dict[str, Any]) -> NewValue | list[Finding]:
        found: list[Finding] = []

        def bad(type_: str, column: str, value: Any = None, **params: Any) -> None:
            found.append(Finding(type_, value=value, column=column, params=params, **where))

        cells = dict(cells)
        for col in (*REQUIRED, *OPTIONAL):
            if odd := _odd_text(cell := cells.get(col)):
                bad(odd[0], col, visible(str(cell)), chars=odd[1])
                cells[col] = None  # told: no other finding repeats the text
            elif cells.get(col) in (None, "") and col in REQUIRED:
                bad("missing-value", col)
        ind = self._indicator_of(str(cells.get("indicator") or "").strip(), bad)
        ptext = str(cells.get("period") or "").strip()
        period = self._period(ptext) if ptext else None
        if ptext and period is None:
            bad("bad-period", "period", ptext)
        utext = str(cells.get("unit") or "").strip()
        unit_id = self._unit_id(utext, period, bad) if utext and period is not None else None
        ktext = str(cells.get("kind") or "").strip()
        kind = _KINDS.get(_norm(ktext)) if ktext else None
        if ktext and kind is None:
            bad("bad-kind", "kind", ktext)
        stext = str(cells.get("status") or "").strip()
        status = _STATUSES.get(_norm(stext)) if stext else Status.PROVISIONAL
        if status is None:
            bad("bad-status", "status", stext)
        value = self._value_of(cells.get("value"), ind, where, found, bad)
        if (long := comment_finding(cells.get("comment"), where)) is not None:
            found.append(long)
        if found:
            return found
        assert ind and period and unit_id and kind and status and value is not None
        comment = str(cells.get("comment") or "").strip() or None
        return NewValue(ind.code, unit_id, period.id, kind, value, status, comment)

    def _unit_id(self, utext: str, period: Period, bad: Callable[..., None]) -> str | None:
        """The unit id of a unit cell for ``period``; an unknown unit told (None)."""
        got = self._unit(utext, period)
        if isinstance(got, UnitError):
            bad("unknown-unit", "unit", utext, period=period.id, **_unit_reasons(got))
            return None
        return got

    def _indicator_of(self, code: str, bad: Callable[..., None]) -> Indicator | None:
        """The indicator of a code cell; an unknown (with close codes) or derived one told."""
        ind = self.cat.indicators.get(code) or self.cat.indicators.get(code.upper())
        if code and ind is None:
            import difflib

            close = difflib.get_close_matches(code.upper(), self.cat.indicators, n=3, cutoff=0.6)
            sugg = (
                f"did you mean {', '.join(close)}? (chitieu catalog lists all)"
                if close
                else "run `chitieu catalog` for the list of codes"
            )
            bad("unknown-indicator", "indicator", code, suggestion=sugg)
        elif ind is not None and ind.is_derived:
            bad(
                "derived-indicator",
                "indicator",
                code,
                formula=ind.formula,
                operands=", ".join(ind.operands),
            )
        return ind

    def _value_of(
        self,
        raw: Any,
        ind: Indicator | None,
        where: dict[str, Any],
        found: list[Finding],
        bad: Callable[..., None],
    ) -> float | None:
        """The value of a value cell (None if empty or not a number), its findings told."""
        if raw in (None, ""):
            return None
        got_num = self._number(raw)
        if isinstance(got_num, Finding):
            got_num.column = "value"
            for k, v in where.items():
                setattr(got_num, k, v)
            found.append(got_num)
            return None
        value = got_num
        if ind is not None and ind.value_type == ValueType.INTEGER and value != int(value):
            bad("not-integer", "value", raw, indicator=ind.code)
        if ind is not None and not ind.is_derived and value not in ind.domain:
            bad("out-of-domain", "value", raw, **_domain_params(ind))
            found[-1].indicator = ind.code  # the place names it (the form's does too)
        return value
