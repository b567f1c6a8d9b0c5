"""The approval ladder as pure rules (no store): the levels a report passes and the level it
stands at, read by the workflow's state, completeness and the queues alike."""

from __future__ import annotations

from chitieu.catalog.vocabulary import Level
from chitieu.catalog.vocabulary import SubmissionStatus as S


def chain(levels: int) -> tuple[int, ...]:
    """The approval levels a report passes, bottom up: (1, 2) — the head, then the ministry —
    or (2,) — the ministry."""
    return (Level.PROVINCE, Level.MINISTRY) if levels >= 2 else (Level.MINISTRY,)


def stands_at(status: str | None, returned_to: int | None, levels: int) -> int:
    """The level a report stands at: the unit while it is edited (not started, a draft,
    reopened, returned to it), the next level once submitted, the ministry once accepted or
    approved, the level it was returned to."""
    if status == S.SUBMITTED:
        return chain(levels)[0]
    if status in (S.ACCEPTED, S.APPROVED):
        return Level.MINISTRY
    if status == S.RETURNED:
        return returned_to or Level.UNIT
    return Level.UNIT


def editable(status: str | None, returned_to: int | None) -> bool:
    """Whether the unit may change a report's values: not started, a draft, reopened, or
    returned to the unit."""
    if status in (None, S.DRAFT, S.REOPENED):
        return True
    return status == S.RETURNED and not (returned_to or 0)


def waiting(status: str | None, returned_to: int | None, levels: int) -> int | None:
    """The level whose action a report waits for: the unit's after a return or a reopen, the
    next level's once submitted or accepted; None for a draft (nobody asked for anything) and
    an approved report (done)."""
    if status in (S.SUBMITTED, S.ACCEPTED, S.RETURNED, S.REOPENED):
        return stands_at(status, returned_to, levels)
    return None
