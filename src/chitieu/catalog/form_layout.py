"""The layout descriptor of an official form's sheet: part of the one form model
(:class:`chitieu.catalog.forms.Form` ``.layout``), read from the form's ``layout:`` in
``data/forms.yaml`` (or a user's file named by ``CHITIEU_FORMS``).

It says what the sheet prints and what the wide reader (``collect.layouts.wide``) looks for:
the form's number ("Biểu số"), the legal basis ("Ban hành kèm theo …"), who receives it, the
title (the period is read from it), the rows (each indicator's "Mã số", the label printed and
other names it goes by), the leaf columns of the header (paths of header texts, with
``{year}``, ``{prev_year}``, ``{month}`` filled in for a period) and how a unit of measure
printed on the form converts to the catalog's (``triệu đồng`` → ``tỷ đồng``: × 0.001).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from chitieu.catalog.indicators import Catalog
from chitieu.catalog.periods import Period, PeriodType

_FIELDS = {"number", "title", "issued", "receiver", "rows", "columns"}
_OPTIONAL = {"conversions", "reporter", "tolerance"}


def _nfc(text: Any) -> str:
    return unicodedata.normalize("NFC", str(text)).strip()


@dataclass(frozen=True)
class LayoutRow:
    """One indicator's row: its "Mã số", the label printed, other names it goes by."""

    indicator: str
    code: str
    label: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class FormLayout:
    """What an official form's sheet looks like (see the module)."""

    number: str
    title: str
    issued: str
    receiver: str
    rows: tuple[LayoutRow, ...]
    #: the value columns' header paths, in order (placeholders: {year} {prev_year} {month} {half})
    columns: tuple[tuple[str, ...], ...]
    #: the reporting unit's line ({unit}: the unit's name); the nation's forms name the ministry
    reporter: str = "Sở Thông tin và Truyền thông {unit}"
    #: a unit of measure as printed (NFC) → (the catalog's measure code, factor to it)
    conversions: dict[str, tuple[str, float]] = field(default_factory=dict)
    #: how far a derived column (a percentage) may be from its recomputed value
    tolerance: float = 0.05

    def row_of(self, indicator: str) -> LayoutRow | None:
        """The row of ``indicator``, if the form has one."""
        return next((r for r in self.rows if r.indicator == indicator), None)

    def fill(self, text: str, p: Period) -> str:
        """``text`` with the period's placeholders filled in: {year}, {prev_year}, {month},
        {half} ("6 tháng đầu năm" / "6 tháng cuối năm"; {HALF} in capitals)."""
        month = p.end.month if p.type in (PeriodType.MONTH, PeriodType.YTD) else ""
        half = ("6 tháng đầu năm" if p.end.month <= 6 else "6 tháng cuối năm"
                if p.type == PeriodType.HALF else "")  # fmt: skip
        return text.format(year=p.end.year, prev_year=p.end.year - 1, month=month, half=half,
                           HALF=half.upper())  # fmt: skip

    def headers(self, p: Period) -> list[tuple[str, ...]]:
        """The leaf columns' header paths for the period ``p``."""
        return [tuple(self.fill(t, p) for t in path) for path in self.columns]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "number": self.number,
            "title": self.title,
            "issued": self.issued,
            "receiver": self.receiver,
            "reporter": self.reporter,
            "rows": [_row(r) for r in self.rows],
            "columns": [list(c) for c in self.columns],
            "conversions": {k: {"to": m, "factor": f} for k, (m, f) in self.conversions.items()},
        }


def _row(r: LayoutRow) -> dict[str, Any]:
    return {"indicator": r.indicator, "code": r.code, "label": r.label, "aliases": list(r.aliases)}


def _rows(raw: Any, indicators: tuple[str, ...], cat: Catalog, where: str,
          problems: list[str]) -> tuple[LayoutRow, ...]:  # fmt: skip
    if not isinstance(raw, list) or not raw:
        problems.append(f"{where}: layout rows must be a non-empty list")
        return ()
    out = []
    for i, r in enumerate(raw, start=1):
        if not isinstance(r, dict) or {"indicator", "code"} - r.keys():
            problems.append(f"{where} layout row #{i}: needs indicator and code")
            continue
        ind = str(r["indicator"])
        if ind not in indicators:
            problems.append(f"{where} layout row #{i}: {ind} is not one of the form's indicators")
            continue
        label = _nfc(r.get("label") or cat.indicators[ind].name.vi)
        aliases = tuple(_nfc(a) for a in r.get("aliases") or ())
        out.append(LayoutRow(ind, _nfc(r["code"]), label, aliases))
    return tuple(out)


def _conversions(raw: Any, cat: Catalog, where: str,
                 problems: list[str]) -> dict[str, tuple[str, float]]:  # fmt: skip
    out: dict[str, tuple[str, float]] = {}
    for text, rule in (raw or {}).items():
        if not isinstance(rule, dict) or rule.get("to") not in cat.measures:
            problems.append(f"{where}: conversion of '{text}' needs to: <a measure code>")
            continue
        factor = rule.get("factor")
        if not isinstance(factor, int | float) or isinstance(factor, bool) or factor <= 0:
            problems.append(f"{where}: conversion of '{text}' needs a positive factor")
            continue
        out[_nfc(text)] = (str(rule["to"]), float(factor))
    return out


def parse_layout(raw: Any, indicators: tuple[str, ...], cat: Catalog, where: str,
                 problems: list[str]) -> FormLayout | None:  # fmt: skip
    """A form's ``layout:`` (None and a problem if it is not one)."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or _FIELDS - raw.keys():
        problems.append(f"{where}: a layout needs {', '.join(sorted(_FIELDS))}")
        return None
    if unknown := sorted(raw.keys() - _FIELDS - _OPTIONAL):
        problems.append(f"{where}: unknown layout field(s) {', '.join(unknown)}")
    cols = raw["columns"]
    if not isinstance(cols, list) or not cols:
        problems.append(f"{where}: layout columns must be a non-empty list of header paths")
        cols = []
    columns = tuple(tuple(_nfc(t) for t in (c if isinstance(c, list) else [c])) for c in cols)
    extra: dict[str, Any] = {}
    if "reporter" in raw:
        extra["reporter"] = _nfc(raw["reporter"])
    if "tolerance" in raw:
        extra["tolerance"] = float(raw["tolerance"])
    return FormLayout(
        number=_nfc(raw["number"]),
        title=_nfc(raw["title"]),
        issued=_nfc(raw["issued"]),
        receiver=_nfc(raw["receiver"]),
        rows=_rows(raw["rows"], indicators, cat, where, problems),
        columns=columns,
        conversions=_conversions(raw.get("conversions"), cat, where, problems),
        **extra,
    )
