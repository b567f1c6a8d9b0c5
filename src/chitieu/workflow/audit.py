"""Who changed which value when, old → new: per value (its vintages) and per report (its events,
each save with the values its batch changed and each one's own previous value)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from chitieu.catalog.vocabulary import Action, Level
from chitieu.store import workflow as repo
from chitieu.store.values import Store

#: actions that are the unit's own work (an edit or a submission): by a level above the unit
#: (the ministry after a reopen), they were done on the unit's behalf
UNIT_ACTIONS = (Action.SAVE, Action.UPLOAD, Action.API, Action.OVERWRITE, Action.SUBMIT)


@dataclass
class Change:
    """One vintage of a value and the one it replaced."""

    indicator: str
    unit: str
    period: str
    kind: str
    old: float | None
    new: float | None
    at: datetime
    by: str
    source: str | None
    batch_id: int
    comment: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def value_history(
    store: Store, indicator: str, unit: str, period: str, kind: str | None = None
) -> list[Change]:
    """Every change of a value, newest first (from ``Store.history``)."""
    out: list[Change] = []
    last: dict[str, float | None] = {}
    for o in store.history(indicator, unit, period, kind):
        out.append(
            Change(
                o.indicator,
                o.unit,
                o.period,
                o.kind,
                last.get(o.kind),
                o.value,
                o.created_at,
                o.created_by,
                o.source,
                o.batch_id,
                o.comment,
            )
        )
        last[o.kind] = o.value
    return out[::-1]


def _change(r: Mapping[Any, Any]) -> Change:
    return Change(
        r["indicator"],
        r["unit"],
        r["period"],
        r["kind"],
        r["old"],
        r["value"],
        r["created_at"],
        r["created_by"],
        r["source"],
        r["batch_id"],
        r["comment"],
    )


def batch_changes(store: Store, batch_id: int) -> list[Change]:
    """The values a batch wrote, each with the value it replaced (its key's previous vintage)."""
    with store.read_conn() as conn:
        rows = repo.batch_changes(conn, batch_id)
    return [_change(r) for r in rows]


@dataclass
class Event:
    """An event of a report, with the value changes of a save."""

    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str
    comment: str | None
    batch_id: int | None
    changes: list[Change]
    level: int | None = None  # the level its actor acted at (None: recorded before levels)

    @property
    def on_behalf(self) -> bool:
        """An edit or a submission by a level above the unit (the ministry, for the unit)."""
        return self.action in UNIT_ACTIONS and (self.level or Level.UNIT) > Level.UNIT

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        d = asdict(self)
        d["changes"] = [c.to_dict() for c in self.changes]
        d["on_behalf"] = self.on_behalf
        return d


def _event(store: Store, r: Mapping[Any, Any], with_changes: bool) -> Event:
    changes = batch_changes(store, r["batch_id"]) if with_changes and r["batch_id"] else []
    return Event(
        r["at"],
        r["actor"],
        r["action"],
        r["from_status"],
        r["to_status"],
        r["comment"],
        r["batch_id"],
        changes,
        r["level"],
    )


def report_events(store: Store, sub_id: int | None, changes: bool = True) -> list[Event]:
    """Everything that happened to a report, newest first (with each save's value changes
    unless ``changes`` is False)."""
    if sub_id is None:
        return []
    with store.read_conn() as conn:
        rows = repo.events(conn, sub_id)
    return [_event(store, r, changes) for r in rows]
