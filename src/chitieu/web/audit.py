"""Who changed which value when, old → new: per value (its vintages) and per submission."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from chitieu.store import workflow
from chitieu.store.values import Store


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


def batch_changes(store: Store, batch_id: int) -> list[Change]:
    """The values a batch wrote, each with the value it replaced (its key's previous vintage)."""
    with store.read_conn() as conn:
        rows = workflow.batch_changes(conn, batch_id)
    return [
        Change(
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
        for r in rows
    ]


@dataclass
class Event:
    """A workflow event of a submission, with the value changes of a save."""

    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str
    comment: str | None
    batch_id: int | None
    changes: list[Change]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        d = asdict(self)
        d["changes"] = [c.to_dict() for c in self.changes]
        return d


def submission_events(store: Store, sub_id: int | None) -> list[Event]:
    """Everything that happened to a submission, newest first."""
    if sub_id is None:
        return []
    with store.read_conn() as conn:
        rows = workflow.events(conn, sub_id)
    return [
        Event(
            r["at"],
            r["actor"],
            r["action"],
            r["from_status"],
            r["to_status"],
            r["comment"],
            r["batch_id"],
            batch_changes(store, r["batch_id"]) if r["batch_id"] else [],
        )
        for r in rows
    ]
