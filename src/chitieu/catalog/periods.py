"""Reporting periods with DHIS2 ids (``2023``, ``2023S1``, ``2023Q2``, ``202306``) and YTD.

A period is a run of whole months inside one calendar year. Years, halves, quarters and
months carry DHIS2's ISO-like ids; a cumulative period from January ("9 tháng" = Jan–Sep)
has the id ``YYYYYTDmm``. Roll-ups from months to longer periods follow an indicator's
time rule (sum for flows, last value for stocks, average).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache

from chitieu.errors import PeriodError


class PeriodType(StrEnum):
    """The kinds of period a value can be reported for."""

    YEAR = "year"
    HALF = "half"
    QUARTER = "quarter"
    MONTH = "month"
    YTD = "ytd"


class TimeRule(StrEnum):
    """How an indicator aggregates over time."""

    SUM = "sum"  # flows: revenue of a half-year = sum of its months
    LAST = "last"  # stocks: labour "as of June" = the value of the last month
    AVERAGE = "average"  # rates and levels averaged over the months
    NONE = "none"  # not aggregated over time: only values reported for the period itself


_PATTERNS: list[tuple[re.Pattern[str], PeriodType]] = [
    (re.compile(r"^(\d{4})$"), PeriodType.YEAR),
    (re.compile(r"^(\d{4})S([12])$"), PeriodType.HALF),
    (re.compile(r"^(\d{4})Q([1-4])$"), PeriodType.QUARTER),
    (re.compile(r"^(\d{4})(0[1-9]|1[0-2])$"), PeriodType.MONTH),
    (re.compile(r"^(\d{4})YTD(0[1-9]|1[0-2])$"), PeriodType.YTD),
]
_MONTHS_PER = {PeriodType.HALF: 6, PeriodType.QUARTER: 3, PeriodType.MONTH: 1}


@dataclass(frozen=True, order=True)
class Period:
    """A run of months ``first_month..last_month`` of ``year``, with its DHIS2-style id."""

    year: int
    first_month: int
    last_month: int
    type: PeriodType

    @property
    def id(self) -> str:
        """The period id as DHIS2 writes it (``YYYYYTDmm`` for cumulative periods)."""
        y = self.year
        match self.type:
            case PeriodType.YEAR:
                return f"{y}"
            case PeriodType.HALF:
                return f"{y}S{self.index}"
            case PeriodType.QUARTER:
                return f"{y}Q{self.index}"
            case PeriodType.MONTH:
                return f"{y}{self.last_month:02d}"
            case PeriodType.YTD:
                return f"{y}YTD{self.last_month:02d}"
        raise AssertionError(self.type)  # pragma: no cover

    @property
    def index(self) -> int:
        """Half, quarter or month number within the year; months covered for YTD; 1 for a year."""
        if self.type in _MONTHS_PER:
            return self.last_month // _MONTHS_PER[self.type]
        return self.last_month if self.type == PeriodType.YTD else 1

    @property
    def start(self) -> date:
        """First day of the period."""
        return date(self.year, self.first_month, 1)

    @property
    def end(self) -> date:
        """Last day of the period."""
        return date(self.year, self.last_month, calendar.monthrange(self.year, self.last_month)[1])

    @property
    def n_months(self) -> int:
        """Number of months covered."""
        return self.last_month - self.first_month + 1

    @property
    def is_cumulative(self) -> bool:
        """True for periods running from January: years, first halves, Q1, YTD periods."""
        return self.first_month == 1 and self.type != PeriodType.MONTH

    def months(self) -> list[Period]:
        """The months the period contains, in order."""
        return [month(self.year, m) for m in range(self.first_month, self.last_month + 1)]

    def contains(self, other: Period) -> bool:
        """True if every month of ``other`` lies in this period."""
        return (
            self.year == other.year
            and self.first_month <= other.first_month
            and other.last_month <= self.last_month
        )

    def shift_years(self, n: int) -> Period:
        """The same period ``n`` years later (negative: earlier)."""
        return Period(self.year + n, self.first_month, self.last_month, self.type)

    def same_period_last_year(self) -> Period:
        """The same period of the previous year ("cùng kỳ năm trước")."""
        return self.shift_years(-1)

    def year_to_date(self) -> Period:
        """January up to this period's last month ("9 tháng" for September or Q3)."""
        return ytd(self.year, self.last_month)

    def year_period(self) -> Period:
        """The calendar year containing this period (where annual plans live)."""
        return parse_period(str(self.year))

    def parts(self) -> list[Period]:
        """The next finer periods that exactly tile this one (empty for a month)."""
        return _parts(self)

    def previous(self) -> Period:
        """The period of the same type just before this one ("kỳ trước").

        Months, quarters and halves step back by their length (2023Q1 → 2022Q4, 202301 →
        202212); a year or a cumulative period steps back a year (2023YTD09 → 2022YTD09).
        """
        return self._step(-1)

    def next(self) -> Period:
        """The period of the same type just after this one (the inverse of :meth:`previous`)."""
        return self._step(1)

    def series(self, n: int) -> list[Period]:
        """This period and the ``n - 1`` of its type before it, oldest first."""
        out = [self]
        while len(out) < n:
            out.append(out[-1].previous())
        return out[::-1]

    def after(self) -> Period:
        """The period that follows this one, of its own length: S1 → S2, 2023 → 2024, Q4 →
        next Q1; a cumulative period is followed by the quarter (or month) after it
        (9 months → Q4), the period a review's key tasks are set for."""
        if self.type != PeriodType.YTD:
            return self.next()
        if self.last_month % 3 == 0:
            q = self.last_month // 3 + 1
            return parse_period(f"{self.year}Q{q}")
        return month(self.year, self.last_month + 1)

    def _step(self, n: int) -> Period:
        if self.type in (PeriodType.YEAR, PeriodType.YTD):
            return self.shift_years(n)
        size = self.n_months
        first = self.first_month - 1 + n * size  # months since January of this year
        year = self.year + first // 12
        first = first % 12 + 1
        return Period(year, first, first + size - 1, self.type)

    @property
    def slot(self) -> int:
        """Where this period sits among the :data:`YEAR_SLOTS` of its year."""
        return _SLOT_OF[(self.type, self.first_month, self.last_month)]

    def __str__(self) -> str:
        return self.id

    def __repr__(self) -> str:
        return f"<Period {self.id}>"


#: the shapes a period can take within a year (type, first month, last month): the year, two
#: halves, four quarters, twelve months and the eight cumulative periods that are none of
#: those (Jan–Feb, Jan–Apr, Jan–May, Jan–Jul, Jan–Aug, Jan–Sep, Jan–Oct, Jan–Nov). Every
#: period id maps to one (year, slot); the analytics tables keep a year's figures by slot.
YEAR_SLOTS: tuple[tuple[PeriodType, int, int], ...] = (
    (PeriodType.YEAR, 1, 12),
    *((PeriodType.HALF, 6 * i + 1, 6 * i + 6) for i in range(2)),
    *((PeriodType.QUARTER, 3 * i + 1, 3 * i + 3) for i in range(4)),
    *((PeriodType.MONTH, m, m) for m in range(1, 13)),
    *((PeriodType.YTD, 1, m) for m in (2, 4, 5, 7, 8, 9, 10, 11)),
)
_SLOT_OF = {shape: i for i, shape in enumerate(YEAR_SLOTS)}


def year_periods(year: int) -> list[Period]:
    """The period of every slot of ``year``, in slot order."""
    return [Period(year, first, last, ptype) for ptype, first, last in YEAR_SLOTS]


def month(year: int, m: int) -> Period:
    """The month ``m`` of ``year``."""
    return Period(year, m, m, PeriodType.MONTH)


def ytd(year: int, last_month: int) -> Period:
    """January to ``last_month``; normalised to the year, S1 or Q1 when it is one of them."""
    return parse_period(f"{year}YTD{last_month:02d}")


@cache
def parse_period(text: str) -> Period:
    """Parse a period id (``2023``, ``2023S1``, ``2023Q2``, ``202306``, ``2023YTD09``)."""
    s = str(text).strip().upper()
    for pattern, ptype in _PATTERNS:
        m = pattern.match(s)
        if not m:
            continue
        year, n = int(m.group(1)), int(m.group(2)) if m.lastindex and m.lastindex > 1 else 0
        if not 1900 <= year <= 2200:
            break
        if ptype == PeriodType.YEAR:
            return Period(year, 1, 12, ptype)
        if ptype == PeriodType.YTD:
            # Canonical ids: Jan–Jun is S1, Jan–Dec the year, Jan–Mar Q1, Jan the month.
            canonical = {12: f"{year}", 6: f"{year}S1", 3: f"{year}Q1", 1: f"{year}01"}
            return parse_period(canonical[n]) if n in canonical else Period(year, 1, n, ptype)
        size = _MONTHS_PER[ptype]
        return Period(year, (n - 1) * size + 1, n * size, ptype)
    raise PeriodError(code="period-unknown", text=text)


def _parts(p: Period) -> list[Period]:
    y = p.year
    match p.type:
        case PeriodType.YEAR:
            return [parse_period(f"{y}S1"), parse_period(f"{y}S2")]
        case PeriodType.HALF:
            return [parse_period(f"{y}Q{q}") for q in (2 * p.index - 1, 2 * p.index)]
        case PeriodType.QUARTER:
            return p.months()
        case PeriodType.YTD:
            # Largest aligned blocks first: 2023YTD09 = 2023S1 + 2023Q3; 2023YTD05 = Q1 + 04 + 05.
            out: list[Period] = []
            m = 1
            while m <= p.last_month:
                for ptype, size in ((PeriodType.HALF, 6), (PeriodType.QUARTER, 3)):
                    if (m - 1) % size == 0 and m + size - 1 <= p.last_month:
                        out.append(Period(y, m, m + size - 1, ptype))
                        m += size
                        break
                else:
                    out.append(month(y, m))
                    m += 1
            return out
        case PeriodType.MONTH:
            return []
    raise AssertionError(p.type)  # pragma: no cover


def periods_within(p: Period) -> list[Period]:
    """Every period that a value for ``p`` may be rolled up from, ``p`` included."""
    seen: dict[str, Period] = {}
    stack = [p]
    while stack:
        q = stack.pop()
        if q.id in seen:
            continue
        seen[q.id] = q
        stack.extend(q.parts())
        if q.type == PeriodType.YTD:
            stack.extend(q.months())
    return list(seen.values())


@dataclass(frozen=True)
class RollUp:
    """A value for a period, built from stored values, with how it was obtained."""

    value: float
    months_covered: int
    months_expected: int
    sources: tuple[str, ...]  # ids of the stored periods used

    @property
    def complete(self) -> bool:
        """True when every month of the period is covered."""
        return self.months_covered == self.months_expected


def roll_up(
    values: Mapping[str, float] | Callable[[str], float | None],
    target: Period,
    rule: TimeRule,
) -> RollUp | None:
    """Value of ``target`` from stored values keyed by period id, by the time ``rule``.

    A value stored for the target itself wins. Otherwise the period is tiled by its parts
    (halves, quarters, months), each resolved the same way. Flows (``SUM``) need every part;
    stocks (``LAST``) take the last part; ``AVERAGE`` weights the parts by their months.
    Returns None when the stored values cannot make up the period.
    """
    get = values.get if isinstance(values, Mapping) else values
    return _roll(get, target, rule)


def _roll(get: Callable[[str], float | None], p: Period, rule: TimeRule) -> RollUp | None:
    direct = get(p.id)
    if direct is not None:
        return RollUp(direct, p.n_months, p.n_months, (p.id,))
    if rule == TimeRule.NONE:
        return None
    parts = p.parts()
    if not parts:
        return None
    if rule == TimeRule.LAST:
        last = _roll(get, parts[-1], rule)
        if last is None:
            return None
        return RollUp(last.value, p.n_months, p.n_months, last.sources)
    rolled = [_roll(get, q, rule) for q in parts]
    if any(r is None for r in rolled):
        if p.type == PeriodType.YTD:  # a YTD period may also be tiled month by month
            by_month = [_roll(get, m, rule) for m in p.months()]
            if all(r is not None for r in by_month):
                rolled = by_month
                parts = p.months()
            else:
                return None
        else:
            return None
    done = [r for r in rolled if r is not None]
    sources = tuple(s for r in done for s in r.sources)
    if rule == TimeRule.SUM:
        return RollUp(sum(r.value for r in done), p.n_months, p.n_months, sources)
    total = sum(r.value * q.n_months for r, q in zip(done, parts, strict=True))
    return RollUp(total / p.n_months, p.n_months, p.n_months, sources)
