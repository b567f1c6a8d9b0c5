"""The state of a form × unit × period: its stored values, workflow status and version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, select

from chitieu.catalog.periods import Period
from chitieu.catalog.vocabulary import SubmissionStatus as S
from chitieu.store.schema import observation
from chitieu.store.values import Store
from chitieu.store.web_schema import submission
from chitieu.web.forms import ReportingForm
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


def _register() -> None:
    """Add the web's finding messages (web/messages.yaml) to the import's."""
    from importlib import resources

    import yaml

    from chitieu.check.findings import register_messages

    text = (resources.files("chitieu.web") / "messages.yaml").read_text(encoding="utf-8")
    register_messages(yaml.safe_load(text))


_register()
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

    form: ReportingForm
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


# Prepared look-ups: built once, executed with parameters (building and hashing SQLAlchemy
# statements per request cost more than running them; see docs/PERFORMANCE.md, web section).
_o = observation.c
_FORM_KEYS = (
    _o.period == bindparam("period"),
    _o.unit == bindparam("unit"),
    _o.kind == bindparam("kind"),
    _o.indicator.in_(bindparam("indicators", expanding=True)),
)
#: the newest vintage of each of a form's keys, deletions (NULL values) included
_LATEST = select(func.max(_o.id).label("id")).where(*_FORM_KEYS).group_by(_o.indicator).subquery()
_CELLS = select(_o.id, _o.indicator, _o.value, _o.comment, _o.created_at, _o.created_by).join(
    _LATEST, _o.id == _LATEST.c.id
)
#: the newest observation id of a form's keys (any value written by any means)
_LAST_OBS = select(func.coalesce(func.max(_o.id), 0)).where(*_FORM_KEYS)
#: the same, among the rows of one batch (what a save just wrote)
_LAST_OBS_OF_BATCH = _LAST_OBS.where(_o.batch_id == bindparam("batch_id"))
_SUBMISSION = select(submission).where(
    submission.c.form == bindparam("form"),
    submission.c.unit == bindparam("unit"),
    submission.c.period == bindparam("period"),
)


def _form_keys(form: ReportingForm, unit: str, period: str) -> dict[str, Any]:
    return {"period": period, "unit": unit, "indicators": list(form.indicators), "kind": form.kind}


def _last_obs(
    conn: Connection, form: ReportingForm, unit: str, period: str, batch_id: int | None = None
) -> int:
    """The newest observation id of the form's keys (only among ``batch_id``'s rows if given)."""
    params = _form_keys(form, unit, period)
    if batch_id is None:
        return int(conn.execute(_LAST_OBS, params).scalar_one())
    return int(conn.execute(_LAST_OBS_OF_BATCH, {**params, "batch_id": batch_id}).scalar_one())


def load_state(store: Store, form: ReportingForm, unit: str, period: Period) -> FormState:
    """The form's current values, workflow status and version (one connection, two queries).

    The newest vintage of every key gives both the cells and the newest observation id of the
    form (a key's newest vintage is its highest id), so no separate ``max(id)`` is needed.
    """
    cells = {i: Cell(i) for i in form.indicators}
    with store.read_conn() as conn:
        rows = conn.execute(_CELLS, _form_keys(form, unit, period.id)).all()
        row = (
            conn.execute(_SUBMISSION, {"form": form.code, "unit": unit, "period": period.id})
            .mappings()
            .first()
        )
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
