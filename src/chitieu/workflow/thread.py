"""A report's thread: the comments both sides see — returns, replies, reopens, notes with a
submission, an acceptance or an approval — and the edits and submissions the ministry made on
the unit's behalf, oldest first. It is read from the report's events (nothing is kept twice),
so it stays after a save, after the approval, and in the audit trail; ``reply`` is a
transition that moves nothing (``workflow.transitions``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chitieu.store.values import Store
from chitieu.workflow.audit import Event, report_events
from chitieu.workflow.state import Report
from chitieu.workflow.words import action_label


@dataclass(frozen=True)
class Post:
    """One entry of a thread."""

    at: datetime
    actor: str
    action: str
    level: int | None
    comment: str | None
    on_behalf: bool
    to_status: str

    def label(self, lang: str = "vi") -> str:
        """What happened, in ``lang`` ("trả lại", "saved on the unit's behalf")."""
        return action_label(self.action, lang, self.on_behalf)

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        """JSON-ready form (with its label in ``lang`` if given)."""
        d: dict[str, Any] = {
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "level": self.level,
            "comment": self.comment,
            "on_behalf": self.on_behalf,
            "to_status": self.to_status,
        }
        if lang:
            d["label"] = self.label(lang)
        return d


def posts(events: list[Event]) -> list[Post]:
    """The thread of a report's events (given newest first), oldest first."""
    return [
        Post(e.at, e.actor, e.action, e.level, e.comment, e.on_behalf, e.to_status)
        for e in reversed(events)
        if e.comment or e.on_behalf
    ]


def thread(store: Store, report: Report) -> list[Post]:
    """A report's thread, oldest first."""
    return posts(report_events(store, report.sub_id, changes=False))
