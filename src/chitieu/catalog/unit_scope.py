"""The unit a report or summary is about, on the boundaries asked for, across the 2025 merger.

On today's boundaries (``current``) a period before 1 July 2025 is stated for today's
province: ``--unit "An Giang" --period 2023S1`` is today's An Giang (the old An Giang and
Kiên Giang together). A name or code that only the old system knew — ``Kiên Giang``, or
``89`` (the old An Giang's code) — is refused there with the province it merged into and
``--boundaries as_reported`` for the old province's own figures: never merged figures under
an old name. A code whose meaning changed on 1 July 2025 (``91``: Kiên Giang, then An Giang)
given for figures on both sides of that day draws a warning naming both units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from chitieu.catalog.periods import Period
from chitieu.catalog.units import LAST_OLD_DAY, MERGER_DATE, NATION_ID, Unit, UnitRegistry
from chitieu.catalog.vocabulary import Boundaries
from chitieu.errors import UnitError

_CODE = re.compile(r"\s*\d{1,2}\s*")


@dataclass(frozen=True)
class Scope:
    """The unit meant, and warnings (error-file codes with their parameters) to show."""

    unit: Unit
    asked: Unit
    warnings: tuple[tuple[str, dict[str, Any]], ...] = field(default_factory=tuple)


def _label(u: Unit) -> str:
    return f"{u.name} ({u.id})"


def _by_code(text: str) -> bool:
    return bool(_CODE.fullmatch(text)) or "@" in text


def _code_changed(units: UnitRegistry, unit: Unit) -> Unit | None:
    """The old province that carried ``unit``'s code before the merger, if it was another."""
    if unit.system != "34":
        return None
    old = next((u for u in units.all() if u.system == "63" and u.code == unit.code), None)
    return old if old is not None and old.short_name != unit.short_name else None


def _spans(p: Period) -> bool:
    """Whether the period or its comparison base begins before the merger and the period
    ends after it (figures on both sides of 1 July 2025)."""
    base = p.same_period_last_year()
    return p.end >= MERGER_DATE and min(p.start, base.start) <= LAST_OLD_DAY


def report_scope(text: str, p: Period, boundaries: str | Boundaries, units: UnitRegistry) -> Scope:
    """The unit ``text`` means for a report or summary of ``p`` on ``boundaries``."""
    b = Boundaries(boundaries)
    raw = text.strip()
    if b == Boundaries.CURRENT and raw.endswith("@34"):  # today's province, whatever the period
        asked = units.get(raw)
    else:
        asked = units.resolve(text, p.end)
    if asked.id == NATION_ID:
        return Scope(asked, asked)
    unit = asked
    if b == Boundaries.CURRENT and asked.system == "63":
        unit = units.successor(asked.id)
        renamed = unit.short_name != asked.short_name
        if renamed or (_by_code(text) and unit.code != asked.code):
            raise UnitError(
                code="unit-old-on-current",
                text=text.strip(),
                unit=_label(asked),
                short=asked.short_name,
                new=_label(unit),
                new_short=unit.short_name,
                new_id=unit.id,
                since=MERGER_DATE,
            )
    warnings: list[tuple[str, dict[str, Any]]] = []
    old = _code_changed(units, unit)
    if old is not None and _by_code(text) and _spans(p):
        said: dict[str, Any] = {"province_code": unit.code, "old": _label(old), "new": _label(unit)}
        said |= {"to": LAST_OLD_DAY, "since": MERGER_DATE, "period": p.id}
        warnings.append(("unit-code-changed", said))
    return Scope(unit, asked, tuple(warnings))
