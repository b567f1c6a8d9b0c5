"""Reporting forms as catalog data: indicators, period type, reporters and deadlines.

The shipped forms are ``data/forms.yaml``; users add files through ``CHITIEU_FORMS``.
Completeness (which units have reported) and the web's entry forms read them.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from chitieu.catalog.datafiles import data_files, read_mapping
from chitieu.catalog.indicators import Catalog, Text, catalog
from chitieu.catalog.periods import Period, PeriodType
from chitieu.catalog.units import NATION_ID, Unit, registry
from chitieu.errors import CatalogError


class Reporters(StrEnum):
    """Which units send a form."""

    PROVINCES = "provinces"
    NATION = "nation"


class Round(StrEnum):
    """Which figures a deadline is for: the estimates before the review, or the official ones."""

    ESTIMATE = "estimate"
    ACTUAL = "actual"


@dataclass(frozen=True)
class Deadline:
    """A day relative to the end of the period (negative: before it)."""

    days_after_end: int

    def due(self, p: Period) -> date:
        """The last day on which a report for ``p`` is on time."""
        return p.end + timedelta(days=self.days_after_end)


@dataclass(frozen=True)
class Form:
    """A reporting form (biểu mẫu)."""

    code: str
    name: Text
    indicators: tuple[str, ...]
    period_type: PeriodType
    reporters: Reporters
    deadline: Deadline
    estimate_deadline: Deadline | None = None

    def expected_units(self, p: Period) -> list[Unit]:
        """The units that must report ``p``."""
        reg = registry()
        if self.reporters == Reporters.NATION:
            return [reg.get(NATION_ID)]
        return reg.provinces(p.end)

    def due(self, p: Period, round_: Round = Round.ACTUAL) -> date:
        """The deadline of a round (the official one if the form has no estimate round)."""
        if round_ == Round.ESTIMATE and self.estimate_deadline is not None:
            return self.estimate_deadline.due(p)
        return self.deadline.due(p)

    def __repr__(self) -> str:
        return f"<Form {self.code}>"


@dataclass(frozen=True)
class Forms:
    """All forms by code."""

    forms: dict[str, Form]

    def __iter__(self) -> Iterator[Form]:
        return iter(self.forms.values())

    def get(self, code: str) -> Form:
        """The form with this code; CatalogError naming the known ones otherwise."""
        try:
            return self.forms[code]
        except KeyError:
            raise CatalogError(
                f"unknown form '{code}'", "known forms: " + ", ".join(self.forms)
            ) from None

    def for_period(self, p: Period) -> list[Form]:
        """Forms reported for periods of ``p``'s type."""
        return [f for f in self if f.period_type == p.type]


def _deadline(raw: Any, where: str, problems: list[str]) -> Deadline | None:
    if raw is None:
        return None
    if isinstance(raw, dict) and len(raw) == 1:
        ((key, n),) = raw.items()
        if key in ("days_after_end", "days_before_end") and isinstance(n, int) and n >= 0:
            return Deadline(n if key == "days_after_end" else -n)
    problems.append(f"{where}: write {{days_after_end: N}} or {{days_before_end: N}}, got {raw!r}")
    return None


def _form(raw: Any, cat: Catalog, where: str, problems: list[str]) -> Form | None:
    fields = {"code", "name", "indicators", "period_type", "reporters", "deadline"}
    if not isinstance(raw, dict) or fields - raw.keys():
        problems.append(f"{where}: a form needs {', '.join(sorted(fields))}")
        return None
    where = f"{where} ({raw['code']})"
    if unknown := sorted(raw.keys() - fields - {"estimate_deadline"}):
        problems.append(f"{where}: unknown field(s) {', '.join(unknown)}")
    name = raw["name"]
    if not isinstance(name, dict) or not all(isinstance(name.get(k), str) for k in ("vi", "en")):
        problems.append(f"{where}: name needs text for 'vi' and 'en'")
        name = {"vi": "", "en": ""}
    inds = raw["indicators"] if isinstance(raw["indicators"], list) else []
    if not inds:
        problems.append(f"{where}: indicators must be a non-empty list of codes")
    for code in inds:
        if code not in cat.indicators:
            problems.append(f"{where}: unknown indicator '{code}'")
        elif cat.indicators[code].is_derived:
            problems.append(f"{where}: '{code}' is computed, not reported")
    try:
        ptype = PeriodType(raw["period_type"])
        reporters = Reporters(raw["reporters"])
    except ValueError as exc:
        problems.append(f"{where}: {exc}")
        return None
    deadline = _deadline(raw["deadline"], f"{where} deadline", problems)
    est = _deadline(raw.get("estimate_deadline"), f"{where} estimate_deadline", problems)
    if deadline is None:
        return None
    return Form(
        code=str(raw["code"]),
        name=Text(*(unicodedata.normalize("NFC", name[k]) for k in ("vi", "en"))),
        indicators=tuple(str(c) for c in inds),
        period_type=ptype,
        reporters=reporters,
        deadline=deadline,
        estimate_deadline=est,
    )


def load_forms(extra: list[Path] | None = None, cat: Catalog | None = None) -> Forms:
    """Load the shipped forms plus ``extra`` files; CatalogError listing every problem."""
    cat = cat or catalog()
    problems: list[str] = []
    forms: dict[str, Form] = {}
    for f in data_files("chitieu.catalog", "forms.yaml", extra):
        data = read_mapping(f, problems, "'forms'")
        for i, raw in enumerate(data.get("forms") or [], start=1):
            form = _form(raw, cat, f"{f.name} form #{i}", problems)
            if form is None:
                continue
            if form.code in forms:
                problems.append(f"{f.name}: form {form.code} is defined twice")
            forms[form.code] = form
    if problems:
        listing = "\n  - ".join(problems)
        raise CatalogError(
            f"the reporting forms have {len(problems)} problem(s):\n  - {listing}",
            "fix the form file(s) named above (see src/chitieu/catalog/data/forms.yaml)",
        )
    return Forms(forms)


@cache
def forms() -> Forms:
    """The forms in force: shipped data plus files named by ``CHITIEU_FORMS``."""
    env = os.environ.get("CHITIEU_FORMS", "")
    return load_forms([Path(p) for p in env.split(os.pathsep) if p])
