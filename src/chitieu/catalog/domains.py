"""An indicator's domain: the values it may take (``domain:`` of each indicator in the catalog).

``{min: 0}`` (counts, revenues), ``{min: 0, max: 100}`` (a percentage), ``{min: 1}``, or the
word ``signed`` (a growth rate, a balance: any finite number). Every indicator must have one
(a catalog without it is a CatalogError naming the indicator). Every way in enforces it: the
row checker (import, web form, Excel upload, API), the column path of a big CSV, and
``collect.ingest`` for writers that make their values themselves; estimates outside it are
skipped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Domain:
    """The values an indicator may take: a closed range, either end open-ended when None.

    In the catalog, ``domain: {min: 0}`` (a count, a revenue), ``{min: 0, max: 100}`` (a
    percentage) or ``signed`` (a growth rate, a balance: any finite number). Whole numbers are
    the indicator's ``value_type: integer``, not the domain's.
    """

    min: float | None = None
    max: float | None = None

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return False
        lo, hi = self.min, self.max
        return math.isfinite(value) and (lo is None or value >= lo) and (hi is None or value <= hi)

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        """(min, max)."""
        return self.min, self.max

    @property
    def signed(self) -> bool:
        """True when any finite number is allowed."""
        return self.min is None and self.max is None

    def describe(self, lang: str) -> str:
        """The range in words, e.g. "từ 0 trở lên" / "0 or more", "từ 0 đến 100"."""
        from babel.numbers import format_decimal

        lo, hi = (None if b is None else format_decimal(b, locale=lang) for b in self.bounds)
        vi = lang != "en"
        if lo is not None and hi is not None:
            return f"từ {lo} đến {hi}" if vi else f"from {lo} to {hi}"
        if lo is not None:
            return f"từ {lo} trở lên" if vi else f"{lo} or more"
        if hi is not None:
            return f"không quá {hi}" if vi else f"at most {hi}"
        return "số bất kỳ (có thể âm)" if vi else "any number (may be negative)"

    def to_dict(self) -> dict[str, float | None]:
        """JSON-ready form: ``{"min": 0, "max": null}``."""
        return {"min": self.min, "max": self.max}


SIGNED = Domain()


#: what ``parse_domain`` is given when an indicator has no ``domain`` field
MISSING = object()


def _bound(value: Any, name: str, where: str, problems: list[str]) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problems.append(f"{where}: domain {name} must be a finite number, got {value!r}")
        return None
    return float(value)


def parse_domain(raw: Any, where: str, problems: list[str]) -> Domain:
    """``signed`` or ``{min: .., max: ..}`` (at least one bound, min ≤ max)."""
    shape = "needs {min: 0}, {min: 0, max: 100}, {max: ..} or the word signed"
    if raw is MISSING:
        problems.append(f"{where}: missing field domain; it {shape}")
        return SIGNED
    if raw == "signed":
        return SIGNED
    if not isinstance(raw, dict) or not raw:
        problems.append(f"{where}: domain {shape}, got {raw!r}")
        return SIGNED
    before = len(problems)
    unknown = sorted(str(k) for k in raw.keys() - {"min", "max"})
    if unknown:
        problems.append(f"{where}: domain has unknown key(s) {', '.join(unknown)}; it {shape}")
    lo = _bound(raw.get("min"), "min", where, problems)
    hi = _bound(raw.get("max"), "max", where, problems)
    if lo is not None and hi is not None and lo > hi:
        problems.append(f"{where}: domain min {lo:g} is above its max {hi:g}")
    if lo is None and hi is None:
        if len(problems) == before:
            problems.append(f"{where}: domain {shape} (write signed for any number)")
        return SIGNED
    return Domain(lo, hi)
