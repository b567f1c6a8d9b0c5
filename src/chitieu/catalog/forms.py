"""Reporting forms (biểu mẫu): who reports which indicators, for which periods, in which rounds.

One model for every part of chitieu: the web's entry pages and workflow, the CLI, the
completeness engine and the estimation all read :func:`forms`. A form has rounds: the
estimates ("ước thực hiện") sent for the review held before the period closes, the actual
figures after it, the annual plan — each round with the kind of figure it carries and its
deadline (a day relative to the period's end, the end of that day in Vietnam). Every round has
its own report in the workflow; the one a page opens by default is the round *due next* by the
clock (:meth:`Form.round_for`). A form also says how many approval levels its reports go
through (``approval_levels``: 2 — the province's department head accepts, then the ministry
approves; 1 — the ministry approves); an administrator may override it in the database
(``chitieu.workflow.levels``).

The shipped forms are ``data/forms.yaml``; users add files through ``CHITIEU_FORMS``.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from chitieu.catalog.datafiles import data_files, read_mapping
from chitieu.catalog.form_layout import FormLayout, parse_layout
from chitieu.catalog.indicators import Catalog, Text, catalog, unknown
from chitieu.catalog.periods import Period, PeriodType, parse_period
from chitieu.catalog.units import Unit, registry
from chitieu.catalog.vocabulary import NATION_ID, Kind, end_of_day_utc
from chitieu.errors import CatalogError, PeriodError, UnknownCode


class Reporters(StrEnum):
    """Which units send a form."""

    PROVINCES = "provinces"  # every province valid at the period's end
    NATION = "nation"  # the ministry's own figure for the nation


class Round(StrEnum):
    """Which figures a round collects."""

    ESTIMATE = "estimate"  # before the period closes, for the review
    ACTUAL = "actual"  # the official figures, after it
    PLAN = "plan"  # the annual plan


@dataclass(frozen=True)
class Deadline:
    """A day relative to the end of the period (negative: before it)."""

    days_after_end: int

    def due(self, p: Period) -> date:
        """The last day on which a report for ``p`` is on time."""
        return p.end + timedelta(days=self.days_after_end)


@dataclass(frozen=True)
class FormRound:
    """One round of a form: what it collects, as which kind of figure, by when."""

    round: Round
    kind: Kind
    deadline: Deadline


@dataclass(frozen=True)
class Form:
    """A reporting form."""

    code: str
    name: Text
    indicators: tuple[str, ...]
    period_type: PeriodType
    reporters: Reporters
    rounds: tuple[FormRound, ...]
    aliases: tuple[str, ...] = ()
    #: approval levels of its reports by default: 2 (head, ministry) or 1 (ministry)
    approval_levels: int = 2
    #: days before a round's deadline its units are reminded (None: the notices' default)
    notice_days: int | None = None
    #: what its official sheet looks like (``catalog.form_layout``), if it has one
    layout: FormLayout | None = None

    @property
    def entry(self) -> FormRound:
        """The form's first round (as listed in the catalog)."""
        return self.rounds[0]

    @property
    def kind(self) -> str:
        """The kind of figure the first round collects."""
        return str(self.entry.kind)

    def find_round(self, which: Round | str) -> FormRound | None:
        """The round ``which``, if the form has it."""
        return next((r for r in self.rounds if r.round == which), None)

    def round(self, which: Round | str | None = None) -> FormRound:
        """The round ``which`` (the first if None); UnknownCode (exit 2) if the form has none."""
        if which is None:
            return self.entry
        got = self.find_round(which)
        if got is None:
            rounds = ", ".join(str(r.round) for r in self.rounds)
            raise UnknownCode(code="round-unknown", form=self.code, text=which, rounds=rounds)
        return got

    def by_deadline(self, p: Period) -> list[FormRound]:
        """The rounds of ``p`` in the order they fall due."""
        return sorted(self.rounds, key=lambda r: r.deadline.due(p))

    def round_for(self, p: Period, today: date) -> FormRound:
        """The round of ``p`` due next on ``today``: the first whose deadline has not passed,
        else (all have) the last to fall due — the figures that settle the period."""
        ordered = self.by_deadline(p)
        return next((r for r in ordered if r.deadline.due(p) >= today), ordered[-1])

    def due_next(self, today: date, n: int = 1) -> list[tuple[Period, FormRound]]:
        """The next ``n`` (period, round) pairs whose deadline is on or after ``today``, by
        deadline (the periods looked at run from a year before ``today`` on)."""
        p = _period_of(self.period_type, date(today.year - 1, today.month, 1))
        found: list[tuple[date, Period, FormRound]] = []
        while len(found) < n or min(r.deadline.due(p) for r in self.rounds) <= found[n - 1][0]:
            found += [(r.deadline.due(p), p, r) for r in self.rounds if r.deadline.due(p) >= today]
            found.sort(key=lambda t: (t[0], t[1].start))
            p = p.next()
        return [(q, r) for _d, q, r in found[:n]]

    def accepts(self, period: Period) -> bool:
        """Whether ``period`` is of this form's period type."""
        return period.type == self.period_type

    def period(self, text: str) -> Period:
        """Parse ``text`` as a period of this form; PeriodError if it is of another type."""
        p = parse_period(text)
        if not self.accepts(p):
            raise PeriodError(
                f"{p.id} is not a {self.period_type} period",
                f"form {self.code} is reported per {self.period_type}",
            )
        return p

    def expected_units(self, p: Period) -> list[Unit]:
        """The units that must report ``p``."""
        reg = registry()
        if self.reporters == Reporters.NATION:
            return [reg.get(NATION_ID)]
        return reg.provinces(p.end)

    def units_for(self, p: Period) -> list[str]:
        """The ids of the units that must report ``p``."""
        return [u.id for u in self.expected_units(p)]

    def due(self, p: Period, which: Round | str | None = None) -> date:
        """The deadline of a round (the entry round by default), a day in Vietnam."""
        return self.round(which).deadline.due(p)

    def deadline(self, p: Period, which: Round | str | None = None) -> date:
        """A round's deadline (the first round's by default)."""
        return self.due(p, which)

    def deadline_utc(self, p: Period, which: Round | str | None = None) -> datetime:
        """The last instant of a round's deadline, as a naive UTC time (the store keeps UTC)."""
        return end_of_day_utc(self.due(p, which))

    def covers(self, indicator: str, kind: str, which: Round | str | None = None) -> bool:
        """Whether a value of ``indicator`` and ``kind`` belongs to a round of this form (the
        first round if ``which`` is None)."""
        return kind == self.round(which).kind and indicator in self.indicators

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        entry = self.entry
        return {
            "code": self.code,
            "name": {"vi": self.name.vi, "en": self.name.en},
            "period_type": str(self.period_type),
            "kind": self.kind,
            "indicators": list(self.indicators),
            "units": str(self.reporters),
            "deadline_days": entry.deadline.days_after_end,
            "approval_levels": self.approval_levels,
            "rounds": [
                {
                    "round": str(r.round),
                    "kind": str(r.kind),
                    "deadline_days": r.deadline.days_after_end,
                }
                for r in self.rounds
            ],
            "aliases": list(self.aliases),
            "layout": self.layout.to_dict() if self.layout is not None else None,
        }

    def __repr__(self) -> str:
        return f"<Form {self.code}>"


@dataclass(frozen=True)
class Forms:
    """All forms by code (an alias names the same form)."""

    forms: dict[str, Form]

    def __iter__(self) -> Iterator[Form]:
        return iter(self.forms.values())

    def __len__(self) -> int:
        return len(self.forms)

    def values(self) -> list[Form]:
        """Every form, in file order."""
        return list(self.forms.values())

    def items(self) -> list[tuple[str, Form]]:
        """(code, form) of every form, in file order."""
        return list(self.forms.items())

    def find(self, code: str) -> Form | None:
        """The form with this code or alias, if any."""
        got = self.forms.get(code)
        if got is None:
            got = next((f for f in self.forms.values() if code in f.aliases), None)
        return got

    def get(self, code: str) -> Form:
        """The form with this code or alias; UnknownCode (exit 2) naming the closest otherwise."""
        got = self.find(code)
        if got is None:
            known = [*self.forms, *(a for f in self.forms.values() for a in f.aliases)]
            raise UnknownCode(**unknown("form", code, known))
        return got

    def __getitem__(self, code: str) -> Form:
        got = self.find(code)
        if got is None:
            raise KeyError(code)
        return got

    def for_period(self, p: Period) -> list[Form]:
        """Forms reported for periods of ``p``'s type."""
        return [f for f in self if f.period_type == p.type]

    def covering(self, indicator: str, kind: str, p: Period) -> list[Form]:
        """Forms whose entry round holds values of ``indicator`` and ``kind`` for ``p``."""
        return [f for f in self.for_period(p) if f.covers(indicator, kind)]


def _deadline(raw: Any, where: str, problems: list[str]) -> Deadline | None:
    if isinstance(raw, dict) and len(raw) == 1:
        ((key, n),) = raw.items()
        if key in ("days_after_end", "days_before_end") and isinstance(n, int) and n >= 0:
            return Deadline(n if key == "days_after_end" else -n)
    problems.append(f"{where}: write {{days_after_end: N}} or {{days_before_end: N}}, got {raw!r}")
    return None


def _rounds(raw: Any, where: str, problems: list[str]) -> tuple[FormRound, ...]:
    if not isinstance(raw, list) or not raw:
        problems.append(f"{where}: rounds must be a non-empty list")
        return ()
    out: list[FormRound] = []
    for i, r in enumerate(raw, start=1):
        here = f"{where} round #{i}"
        if not isinstance(r, dict) or {"round", "deadline"} - r.keys():
            problems.append(f"{here}: a round needs round and deadline")
            continue
        try:
            which = Round(r["round"])
            kind = Kind(r.get("kind", which))
        except ValueError as exc:
            problems.append(f"{here}: {exc}")
            continue
        deadline = _deadline(r["deadline"], f"{here} deadline", problems)
        if any(x.round == which for x in out):
            problems.append(f"{here}: round {which} is given twice")
        if deadline is not None:
            out.append(FormRound(which, kind, deadline))
    return tuple(out)


_FIELDS = {"code", "name", "indicators", "period_type", "reporters", "rounds"}
_OPTIONAL = {"aliases", "approval_levels", "layout", "notice_days"}


def _period_of(ptype: PeriodType, day: date) -> Period:
    """The period of type ``ptype`` holding ``day``."""
    m = day.month
    text = {
        PeriodType.HALF: f"{day.year}S{1 if m <= 6 else 2}",
        PeriodType.QUARTER: f"{day.year}Q{(m - 1) // 3 + 1}",
        PeriodType.MONTH: f"{day.year}{m:02d}",
    }.get(ptype, str(day.year))
    return parse_period(text)


def _levels(raw: Any, where: str, reporters: Reporters, problems: list[str]) -> int:
    """The form's approval levels (default: 2 for provinces' forms, 1 for the ministry's)."""
    if raw is None:
        return 1 if reporters == Reporters.NATION else 2
    if raw in (1, 2) and not isinstance(raw, bool):
        return int(raw)
    problems.append(f"{where}: approval_levels must be 1 (the ministry) or 2 (head, ministry)")
    return 2


def _notice_days(raw: Any, where: str, problems: list[str]) -> int | None:
    """Days before a deadline its notice is given (None: the notices' default)."""
    if raw is None or (isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0):
        return raw
    problems.append(f"{where}: notice_days must be a whole number of days (0 or more)")
    return None


def _form(raw: Any, cat: Catalog, where: str, problems: list[str]) -> Form | None:
    if not isinstance(raw, dict) or _FIELDS - raw.keys():
        problems.append(f"{where}: a form needs {', '.join(sorted(_FIELDS))}")
        return None
    where = f"{where} ({raw['code']})"
    if unknown := sorted(raw.keys() - _FIELDS - _OPTIONAL):
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
    rounds = _rounds(raw["rounds"], where, problems)
    if not rounds:
        return None
    codes = tuple(str(c) for c in inds if c in cat.indicators)
    layout = parse_layout(raw.get("layout"), codes, cat, where, problems)
    return Form(
        code=str(raw["code"]),
        name=Text(*(unicodedata.normalize("NFC", name[k]) for k in ("vi", "en"))),
        indicators=tuple(str(c) for c in inds),
        period_type=ptype,
        reporters=reporters,
        rounds=rounds,
        aliases=tuple(str(a) for a in raw.get("aliases") or ()),
        approval_levels=_levels(raw.get("approval_levels"), where, reporters, problems),
        notice_days=_notice_days(raw.get("notice_days"), where, problems),
        layout=layout,
    )


def load_forms(extra: list[Path] | None = None, cat: Catalog | None = None) -> Forms:
    """Load the shipped forms plus ``extra`` files; CatalogError listing every problem."""
    cat = cat or catalog()
    problems: list[str] = []
    forms: dict[str, Form] = {}
    names: set[str] = set()
    for f in data_files("chitieu.catalog", "forms.yaml", extra):
        data = read_mapping(f, problems, "'forms'")
        for i, raw in enumerate(data.get("forms") or [], start=1):
            form = _form(raw, cat, f"{f.name} form #{i}", problems)
            if form is None:
                continue
            for name in (form.code, *form.aliases):
                if name in names:
                    problems.append(f"{f.name}: form code {name} is used twice")
                names.add(name)
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
