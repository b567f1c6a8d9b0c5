"""What the words of an official form's header mean: a column's kind of figure and period,
a derived column, the period of a title.

Texts are compared as words without case, diacritics (NFC or NFD alike) or extra spacing:
"Ước thực hiện 6 tháng 2023" → (estimate, 2023S1); "Năm 2023 / Kế hoạch năm 2023" → (plan,
2023); "Thực hiện tháng 6/2023" → (actual, 202306); "Lũy kế từ đầu năm" of June 2023 →
(actual, 2023YTD06); "Thực hiện 6 tháng cùng kỳ" → (actual, 2022S1); "So sánh cùng kỳ (%)"
→ a derived column (year on year), "So với kế hoạch (%)" → derived (against the plan).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from chitieu.catalog.periods import Period, PeriodType, parse_period
from chitieu.catalog.units import strip_diacritics
from chitieu.catalog.vocabulary import Kind
from chitieu.errors import PeriodError

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def words(text: object) -> str:
    """``text`` as compared: NFC, no diacritics, lower case, one space between words."""
    plain = strip_diacritics(unicodedata.normalize("NFC", str(text or ""))).casefold()
    return " ".join(plain.replace("\u00a0", " ").split())


#: (pattern on the compared words, meaning): the first that matches decides
_DERIVED = re.compile(r"\bso sanh\b|\bso voi\b|\bty le\b|%|\btang giam\b")
_PLAN_WORDS = re.compile(r"\bke hoach\b|\bkh\b")
_ESTIMATE = re.compile(r"\buoc\b|\but\b|\buth\b")
_ACTUAL = re.compile(r"\bthuc hien\b|\bth\b|\bluy ke\b|\bcung ky\b|\bnam truoc\b")
_YEAR = re.compile(r"\b(19|20)[0-9]{2}\b")
_LAST_YEAR = re.compile(r"\bcung ky\b|\bnam truoc\b")


@dataclass(frozen=True)
class Meaning:
    """What a column holds: a figure (kind, period) or a derived percentage."""

    kind: str | None = None
    period: Period | None = None
    #: "yoy" (against the same period a year before) or "plan"; None for a figure
    derived: str | None = None


def _year(text: str, base: Period) -> int:
    found = _YEAR.findall(text)
    if found:
        return int(re.findall(r"\b(?:19|20)[0-9]{2}\b", text)[-1])
    return base.end.year - 1 if _LAST_YEAR.search(text) else base.end.year


def _period_id(text: str, year: int, base: Period | None) -> str | None:
    """The period id the words name in ``year`` (None: they name none)."""
    if re.search(r"\bluy ke\b", text):
        month = base.end.month if base is not None else 12
        return f"{year}YTD{month:02d}" if month < 12 else str(year)
    if m := re.search(r"\b([0-9]{1,2}) thang\b", text):
        n = int(m.group(1))
        if n == 6:
            return f"{year}S2" if re.search(r"\bcuoi nam\b|\bsau\b", text) else f"{year}S1"
        return f"{year}YTD{n:02d}" if 1 <= n < 12 else (str(year) if n == 12 else None)
    if m := re.search(r"\bquy (iv|iii|ii|i|[1-4])\b", text):
        q = _ROMAN.get(m.group(1)) or int(m.group(1))
        return f"{year}Q{q}"
    if m := re.search(r"\bthang ([0-9]{1,2})\b", text):
        return f"{year}{int(m.group(1)):02d}" if 1 <= int(m.group(1)) <= 12 else None
    if re.search(r"\bnam\b", text):
        return str(year)
    return None


def title_period(text: object) -> Period | None:
    """The period a form's title names ("… 6 THÁNG ĐẦU NĂM 2023" → 2023S1), if any."""
    t = words(text)
    if not _YEAR.search(t):
        return None
    year = int(re.findall(r"\b(?:19|20)[0-9]{2}\b", t)[-1])
    pid = _period_id(t, year, None)
    try:
        return parse_period(pid) if pid else None
    except PeriodError:
        return None


def meaning(path: tuple[str, ...], base: Period) -> Meaning | None:
    """What a leaf column with header ``path`` (group … leaf) holds for a file of period
    ``base``; None when its words say nothing of a figure."""
    leaf = words(path[-1]) if path else ""
    whole = words(" ".join(path))
    if _DERIVED.search(leaf):
        return Meaning(derived="plan" if _PLAN_WORDS.search(leaf) else "yoy")
    kind = (Kind.PLAN if _PLAN_WORDS.search(whole) else Kind.ESTIMATE if _ESTIMATE.search(whole)
            else Kind.ACTUAL if _ACTUAL.search(whole) else None)  # fmt: skip
    if kind is None:
        return None
    # the leaf's own period words first, then the groups' ("Năm 2023" over "6 tháng")
    year = _year(leaf, base) if _YEAR.search(leaf) or _LAST_YEAR.search(leaf) else None
    year = year if year is not None else _year(whole, base)
    pid = _period_id(leaf, year, base) or _period_id(whole, year, base)
    if pid is None:
        pid = base.shift_years(year - base.end.year).id
    try:
        period = parse_period(pid)
    except PeriodError:
        return None
    if kind == Kind.PLAN and period.type != PeriodType.YEAR:
        period = parse_period(str(period.end.year))  # a plan is the year's
    return Meaning(kind=str(kind), period=period)
