"""The words every layer shares: kinds and statuses of figures, boundaries, workflow states,
roles, the two province systems and the day they changed, Vietnam's clock.

A leaf module (it imports nothing of chitieu): the store, the checks, the web and the CLI all
speak this vocabulary, and none of them owns it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Kind(StrEnum):
    """What a value is: a measured figure, an estimate ("ước"), or a target."""

    ACTUAL = "actual"  # thực hiện
    ESTIMATE = "estimate"  # ước thực hiện
    PLAN = "plan"  # kế hoạch


class Status(StrEnum):
    """Whether a value may still change."""

    PROVISIONAL = "provisional"  # sơ bộ
    FINAL = "final"  # chính thức


class Boundaries(StrEnum):
    """Which provinces figures are shown on."""

    CURRENT = "current"  # today's 34 provinces, older data summed through the crosswalk
    AS_REPORTED = "as_reported"  # the provinces in force at the end of the period


class SubmissionStatus(StrEnum):
    """Where a form × unit × period stands in the workflow."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"


#: a report in these states is locked: its values may not change (for any writer)
LOCKED_STATUSES = (SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED)


class TaskStatus(StrEnum):
    """Stored states of a key task (``overdue`` is derived, see workflow/tasks.py)."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class Role(StrEnum):
    """What an account may do."""

    ADMIN = "admin"  # everything, accounts included
    ANALYST = "analyst"  # ministry: every unit, validates, approves, writes the report
    REPORTER = "reporter"  # a provincial department: its own units only
    VIEWER = "viewer"  # reads everything, writes nothing


#: the largest id of a row: ids are whole numbers from 1, of 64 bits (SQLite's INTEGER,
#: PostgreSQL's BIGINT: values, batches, events) or of 32 bits (PostgreSQL's INTEGER: accounts,
#: tokens, reports' submissions — ``MAX_ID_32``)
MAX_ID = 2**63 - 1
MAX_ID_32 = 2**31 - 1


def is_id(value: object, top: int = MAX_ID) -> bool:
    """Whether ``value`` can be the id of a row of a column whose largest id is ``top``: a
    whole number from 1 (checked before any look-up: a number beyond the column failed in the
    driver or the database)."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= top


#: the nation's unit id
NATION_ID = "VN"
#: the province systems: 63 provinces until 30/6/2025, 34 from 1/7/2025 (Resolution 202/2025/QH15)
OLD_SYSTEM, NEW_SYSTEM = "63", "34"
MERGER_DATE = date(2025, 7, 1)
LAST_OLD_DAY = MERGER_DATE - timedelta(days=1)


def system_for(period_end: date, boundaries: Boundaries | str) -> str:
    """The province system figures of a period ending on ``period_end`` are shown on.

    ``current``: today's 34 provinces, whatever the period; ``as_reported``: the provinces in
    force on the period's last day (63 before the merger, 34 after).
    """
    if Boundaries(boundaries) == Boundaries.CURRENT:
        return NEW_SYSTEM
    return OLD_SYSTEM if period_end < MERGER_DATE else NEW_SYSTEM


#: deadlines and report dates are days in Vietnam (UTC+7, no daylight saving); the store
#: keeps naive UTC times
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
VN_OFFSET = timedelta(hours=7)


def local_date(at: datetime) -> date:
    """The day in Vietnam of a naive UTC timestamp."""
    return (at + VN_OFFSET).date()


def end_of_day_utc(day: date) -> datetime:
    """The last second of ``day`` in Vietnam, as a naive UTC time."""
    local = datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=VN_TZ)
    return local.astimezone(UTC).replace(tzinfo=None)
