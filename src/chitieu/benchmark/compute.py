"""Indicator values per country for a reference year, from sourced inputs by the recipes.

Reference-year window: for year Y an indicator takes the figure of the nearest year in
[Y − before, Y + after] (ties go to the earlier year); the year used is kept with the value.
A ratio uses numerator and denominator of the same year; a growth rate the same unit in
consecutive years, the same series (scope description) and the same stated vintage: no rate
across a series break. Every value
carries the input rows (and so the sources) it was made from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .framework import BenchIndicator, Framework, Recipe
from .reference import ReferenceData, RefRow


@dataclass
class Computed:
    """An indicator value for one country: the figure, its year, how, and from what."""

    country: str
    indicator: str
    value: float
    year: int
    recipe: str
    inputs: list[RefRow]
    caution: bool = False
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with every input's source."""
        return {
            "value": self.value,
            "year": self.year,
            "recipe": self.recipe,
            "caution": self.caution,
            "inputs": [r.to_dict() for r in self.inputs],
        }


def window_years(year: int, before: int, after: int) -> list[int]:
    """Years to try for reference year ``year``, nearest first, earlier first on ties."""
    years = range(year - before, year + after + 1)
    return sorted(years, key=lambda y: (abs(y - year), y))


def _value(data: ReferenceData, r: Recipe, c: str, y: int) -> tuple[float, list[RefRow]] | None:
    rows = data.candidates(c, r.num.input, y, r.num.units)
    return (rows[0].value, [rows[0]]) if rows else None


def _ratio(data: ReferenceData, r: Recipe, c: str, y: int) -> tuple[float, list[RefRow]] | None:
    assert r.den is not None
    for num in data.candidates(c, r.num.input, y, r.num.units):
        for den in data.candidates(c, r.den.input, y, r.den.units):
            if r.same_unit and den.unit != num.unit:
                continue
            if den.value == 0:
                continue
            return num.value / den.value * r.factor, [num, den]
    return None


_VINTAGE = re.compile(r"vintage (?:of )?([A-Z][a-z]+ \d{4})")


def vintage(r: RefRow) -> str | None:
    """The vintage a row states ("vintage of August 2025"), if any."""
    m = _VINTAGE.search(r.scope_note) if "vintage" in r.scope_note else None
    return m.group(1) if m else ("?" if "vintage" in r.scope_note else None)


def series(r: RefRow) -> str:
    """What a row measures: its scope description up to the first '(', ';' or ','."""
    if r.origin == "store":
        return "store"
    return re.split(r"[(;,]", r.scope_note, maxsplit=1)[0].strip().lower()


def _growth(data: ReferenceData, r: Recipe, c: str, y: int) -> tuple[float, list[RefRow]] | None:
    for now in data.candidates(c, r.num.input, y, r.num.units):
        for before in data.candidates(c, r.num.input, y - 1, (now.unit,)):
            if before.value == 0 or (vintage(now), series(now)) != (
                vintage(before),
                series(before),
            ):
                continue  # no growth rate across a series break (concept or vintage)
            return (now.value / before.value * 100.0 - 100.0), [now, before]
    return None


RECIPES = {"value": _value, "ratio": _ratio, "growth": _growth}


def compute_one(
    data: ReferenceData, ind: BenchIndicator, country: str, years: list[int]
) -> Computed | None:
    """The indicator for one country: the first year of ``years`` where a recipe works."""
    for y in years:
        for recipe in ind.recipes:
            got = RECIPES[recipe.kind](data, recipe, country, y)
            if got is None:
                continue
            value, rows = got
            notes = [f"{r.input} {r.year}: {r.scope_note}" for r in rows if data.caution(r)]
            return Computed(country, ind.code, value, y, recipe.kind, rows, bool(notes), notes)
    return None


def compute(data: ReferenceData, fw: Framework, year: int) -> dict[tuple[str, str], Computed]:
    """Every indicator of every country for reference year ``year`` (absent = gap)."""
    years = window_years(year, fw.method.before, fw.method.after)
    out: dict[tuple[str, str], Computed] = {}
    for ind in fw.indicators:
        for country in fw.countries:
            got = compute_one(data, ind, country, years)
            if got is not None:
                out[(country, ind.code)] = got
    return out
