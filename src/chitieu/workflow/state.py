"""A report — one form × unit × period × round — as it stands: its stored values, its workflow
state, the approval levels it goes through, and its version.

A report's values are the newest vintages of its keys (indicator, unit, period and the round's
kind of figure); its row in ``web_submission`` holds its state. Both, and an administrator's
override of the form's approval levels, are read in one statement (``store.workflow.form_state``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from chitieu.catalog.forms import Form, FormRound
from chitieu.catalog.periods import Period
from chitieu.catalog.vocabulary import SubmissionStatus as S
from chitieu.store import workflow as repo
from chitieu.store.values import Store
from chitieu.workflow.ladder import chain, editable, stands_at

#: states in which the unit may change the report's values (``None``: not started)
EDITABLE = (None, S.DRAFT, S.REOPENED)
__all__ = ["EDITABLE", "Cell", "Report", "chain", "load_report", "reload", "report_of"]


@dataclass
class Cell:
    """The stored value of one indicator of the report (None if none yet)."""

    indicator: str
    value: float | None = None
    comment: str | None = None
    obs_id: int | None = None
    created_at: datetime | None = None
    created_by: str | None = None


@dataclass
class Report:
    """Where a report stands."""

    form: Form
    unit: str
    period: Period
    round: FormRound
    status: str | None
    version: int
    last_obs: int
    cells: dict[str, Cell]
    levels: int  # the approval levels in force (an override, else the catalog's)
    sub_id: int | None = None
    submitted_at: datetime | None = None
    submitted_by: str | None = None
    accepted_by: str | None = None
    returned_to: int | None = None
    comment: str | None = None  # of the latest return or reopen
    updated_at: datetime | None = None
    updated_by: str | None = None

    @property
    def kind(self) -> str:
        """The kind of figure the round collects."""
        return str(self.round.kind)

    @property
    def deadline(self) -> date:
        """The round's deadline (a day in Vietnam)."""
        return self.round.deadline.due(self.period)

    @property
    def key(self) -> dict[str, str]:
        """The parameters that name the report in the store."""
        return repo.report_key(self.form.code, self.unit, self.period.id, str(self.round.round))

    @property
    def keys(self) -> dict[str, Any]:
        """The parameters that name the report's keys of values."""
        return repo.form_keys(self.form.indicators, self.unit, self.period.id, self.kind)

    @property
    def etag(self) -> str:
        """Changes with every save or transition, and with any value written by other means."""
        return f"{self.version}.{self.last_obs}"

    @property
    def editable(self) -> bool:
        """Not started, a draft, reopened, or returned to the unit: values may change."""
        return editable(self.status, self.returned_to)

    @property
    def chain(self) -> tuple[int, ...]:
        """The approval levels this report passes."""
        return chain(self.levels)

    @property
    def level(self) -> int:
        """The level the report stands at (``ladder.stands_at``)."""
        return stands_at(self.status, self.returned_to, self.levels)

    @property
    def complete(self) -> bool:
        """Every indicator of the form has a value."""
        return all(c.value is not None for c in self.cells.values())

    @property
    def writers(self) -> set[str]:
        """Who wrote the report's current values."""
        return {c.created_by for c in self.cells.values() if c.created_by}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "form": self.form.code,
            "unit": self.unit,
            "period": self.period.id,
            "round": str(self.round.round),
            "kind": self.kind,
            "status": self.status or "not_started",
            "level": self.level,
            "returned_to": self.returned_to if self.status == S.RETURNED else None,
            "levels": list(self.chain),
            "version": self.etag,
            "editable": self.editable,
            "submitted_at": self.submitted_at,
            "submitted_by": self.submitted_by,
            "deadline": self.deadline,
            "comment": self.comment,
            "updated_at": self.updated_at,
            "updated_by": self.updated_by,
            "values": {
                c.indicator: {"value": c.value, "comment": c.comment} for c in self.cells.values()
            },
        }


def _cells(form: Form, rows: list[tuple[Any, ...]]) -> tuple[dict[str, Cell], int]:
    """The cells of the newest vintages, and the newest observation id among them (a key's
    newest vintage is its highest id, so no separate ``max(id)`` is needed)."""
    cells = {i: Cell(i) for i in form.indicators}
    last = 0
    for obs_id, ind, value, comment, created_at, created_by in rows:
        last = max(last, obs_id)
        if value is not None:  # a NULL value records a deletion
            cells[ind] = Cell(ind, value, comment, obs_id, created_at, created_by)
    return cells, last


def report_of(form: Form, unit: str, period: Period, rnd: FormRound, got: repo.FormState) -> Report:
    """The report a ``form_state`` read describes."""
    cells, last = _cells(form, got.cells)
    levels = got.levels if got.levels is not None else form.approval_levels
    row = got.row
    if row is None:
        return Report(form, unit, period, rnd, None, 0, last, cells, levels)
    return Report(
        form, unit, period, rnd, row["status"], row["version"], last, cells, levels,
        sub_id=row["id"], submitted_at=row["submitted_at"], submitted_by=row["submitted_by"],
        accepted_by=row["accepted_by"], returned_to=row["returned_to"], comment=row["comment"],
        updated_at=row["updated_at"], updated_by=row["updated_by"],
    )  # fmt: skip


def load_report(store: Store, form: Form, unit: str, period: Period, rnd: FormRound) -> Report:
    """A report's values, state, approval levels and version (one statement); its round's
    deadline as in force (``workflow/deadlines.py``)."""
    from chitieu.workflow.deadlines import in_force

    rnd = in_force(store, form).round(str(rnd.round))
    key = repo.report_key(form.code, unit, period.id, str(rnd.round))
    keys = repo.form_keys(form.indicators, unit, period.id, str(rnd.kind))
    with store.read_conn() as conn:
        got = repo.form_state(conn, key, keys)
    return report_of(form, unit, period, rnd, got)


def reload(store: Store, report: Report) -> Report:
    """The report as it stands now."""
    return load_report(store, report.form, report.unit, report.period, report.round)
