"""Numbers, percentages and period names in Vietnamese and English, through Babel (CLDR)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import cache
from importlib import resources

from babel.dates import format_date
from babel.numbers import format_decimal

from chitieu.catalog.datafiles import load_yaml
from chitieu.catalog.periods import Period, PeriodType

_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def format_number(value: float, decimals: int = 0, lang: str = "vi") -> str:
    """A number with CLDR grouping and decimal marks, exactly ``decimals`` decimals.

    Rounds half up (0,125 → 0,13), as officials do, not Babel's default half-even.
    """
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    with localcontext() as ctx:
        ctx.rounding = ROUND_HALF_UP
        return format_decimal(Decimal(repr(value)), format=pattern, locale=lang)


def format_pct(value: float, decimals: int = 2, lang: str = "vi", sign: bool = False) -> str:
    """A percentage (no % sign), at most ``decimals`` decimals, trailing zeros dropped."""
    pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
    if sign:
        pattern = f"+{pattern};-{pattern}"
    with localcontext() as ctx:
        ctx.rounding = ROUND_HALF_UP
        return format_decimal(Decimal(repr(value)), format=pattern, locale=lang)


@cache
def _period_names() -> dict[str, dict[str, str]]:
    path = resources.files("chitieu.catalog") / "data" / "periods.yaml"
    return load_yaml(path.read_text(encoding="utf-8"))


def period_label(p: Period, lang: str = "vi", form: str | None = None) -> str:
    """How a period is named in text: "6 tháng đầu năm 2023", "quý II/2023", "Q2 2023"."""
    names = _period_names()[lang if lang in ("vi", "en") else "vi"]
    if form is None:
        form = {
            PeriodType.YEAR: "year",
            PeriodType.HALF: f"half{p.index}",
            PeriodType.QUARTER: "quarter",
            PeriodType.MONTH: "month",
            PeriodType.YTD: "ytd",
        }[p.type]
    month_name = format_date(date(p.year, p.last_month, 1), "MMMM", locale=lang)
    return names[form].format(
        year=p.year,
        n=p.last_month if form in ("month", "as_of", "ytd") else p.index,
        roman=_ROMAN.get(p.index, ""),
        month_name=month_name,
    )
