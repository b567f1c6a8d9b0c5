"""The state of a form × unit × period: its stored values, workflow status and version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chitieu.catalog.forms import Form
from chitieu.catalog.periods import Period
from chitieu.catalog.vocabulary import SubmissionStatus as S
from chitieu.store import workflow
from chitieu.store.values import Store
from chitieu.web.i18n import N_, _

STATUS_NAMES = {
    None: N_("not started"),
    S.DRAFT: N_("draft"),
    S.SUBMITTED: N_("submitted"),
    S.APPROVED: N_("approved"),
    S.RETURNED: N_("returned"),
}
ACTION_NAMES = {
    "save": N_("saved"),
    "overwrite": N_("saved (overwriting)"),
    "upload": N_("uploaded from Excel"),
    "api": N_("saved through the API"),
    "submit": N_("submit"),
    "approve": N_("approve"),
    "return": N_("return"),
    "reopen": N_("reopen"),
}


def status_label(status: str | None) -> str:
    """The workflow status in the current language."""
    return _(STATUS_NAMES.get(status, status or ""))


def action_label(action: str) -> str:
    """A workflow action in the current language."""
    return _(ACTION_NAMES.get(action, action))


EDITABLE = (None, S.DRAFT, S.RETURNED)


#: action → (states it starts from, state it leads to, ministry only, comment required)
TRANSITIONS: dict[str, tuple[tuple[str | None, ...], str, bool, bool]] = {
    "submit": ((None, S.DRAFT, S.RETURNED), S.SUBMITTED, False, False),
    "approve": ((S.SUBMITTED,), S.APPROVED, True, False),
    "return": ((S.SUBMITTED,), S.RETURNED, True, True),
    "reopen": ((S.APPROVED,), S.RETURNED, True, True),
}


@dataclass
class Cell:
    """The stored value of one indicator of the form (None if none yet)."""

    indicator: str
    value: float | None = None
    comment: str | None = None
    obs_id: int | None = None
    created_at: datetime | None = None
    created_by: str | None = None


@dataclass
class FormState:
    """Where a form × unit × period stands."""

    form: Form
    unit: str
    period: Period
    status: str | None
    version: int
    last_obs: int
    cells: dict[str, Cell]
    sub_id: int | None = None
    submitted_at: datetime | None = None
    comment: str | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None

    @property
    def etag(self) -> str:
        """Changes with every save or transition, and with any value written by other means."""
        return f"{self.version}.{self.last_obs}"

    @property
    def editable(self) -> bool:
        """Draft, returned or not started: values may change."""
        return self.status in EDITABLE

    @property
    def complete(self) -> bool:
        """Every indicator of the form has a value."""
        return all(c.value is not None for c in self.cells.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "form": self.form.code,
            "unit": self.unit,
            "period": self.period.id,
            "kind": self.form.kind,
            "status": self.status or "not_started",
            "version": self.etag,
            "editable": self.editable,
            "submitted_at": self.submitted_at,
            "deadline": self.form.deadline(self.period),
            "comment": self.comment,
            "updated_at": self.updated_at,
            "updated_by": self.updated_by,
            "values": {
                c.indicator: {"value": c.value, "comment": c.comment} for c in self.cells.values()
            },
        }


def _keys(form: Form, unit: str, period: str) -> dict[str, Any]:
    return workflow.form_keys(form.indicators, unit, period, form.kind)


def _last_obs(conn: Any, form: Form, unit: str, period: str, batch_id: int | None = None) -> int:
    """The newest observation id of the form's keys (only among ``batch_id``'s rows if given)."""
    return workflow.last_obs(conn, _keys(form, unit, period), batch_id)


def load_state(store: Store, form: Form, unit: str, period: Period) -> FormState:
    """The form's current values, workflow status and version (one statement).

    The newest vintage of every key gives both the cells and the newest observation id of the
    form (a key's newest vintage is its highest id), so no separate ``max(id)`` is needed.
    """
    cells = {i: Cell(i) for i in form.indicators}
    with store.read_conn() as conn:
        row, rows = workflow.form_state(conn, form.code, _keys(form, unit, period.id))
    last = 0
    for obs_id, ind, value, comment, created_at, created_by in rows:
        last = max(last, obs_id)
        if value is not None:  # a NULL value records a deletion
            cells[ind] = Cell(ind, value, comment, obs_id, created_at, created_by)
    if row is None:
        return FormState(form, unit, period, None, 0, last, cells)
    return FormState(
        form,
        unit,
        period,
        row["status"],
        row["version"],
        last,
        cells,
        row["id"],
        row["submitted_at"],
        row["comment"],
        row["updated_at"],
        row["updated_by"],
    )
