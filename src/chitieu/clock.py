"""The one clock of every rule that depends on "today".

Which round of a form is due next, how many days a report is late, which deadlines a notice
warns of, whether a key task is overdue: each reads :func:`now` (or :func:`today`), never the
system clock directly, so that tests and demonstrations can fix the day with the setting
``CHITIEU_NOW`` (an ISO date or date-time; a time without an offset is Vietnam time, a bare
date is 12:00 that day in Vietnam). What the store *records* (when a value or an event was
written) is always the real time (``store.db.utcnow``).
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time

from chitieu.catalog.vocabulary import VN_TZ
from chitieu.errors import ChitieuError

SETTING = "CHITIEU_NOW"


class ClockSettingError(ChitieuError):
    """``CHITIEU_NOW`` is not an ISO date or date-time."""

    exit_code = 2


def _fixed(text: str) -> datetime:
    try:
        if "T" in text or " " in text.strip():
            at = datetime.fromisoformat(text.strip())
        else:
            at = datetime.combine(date.fromisoformat(text.strip()), time(12, 0))
    except ValueError:
        raise ClockSettingError(
            f"{SETTING}={text!r} is not an ISO date or date-time",
            f"write e.g. {SETTING}=2026-12-07 or {SETTING}=2026-12-07T09:30+07:00, or unset it",
        ) from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=VN_TZ)
    return at.astimezone(UTC).replace(tzinfo=None)


def now() -> datetime:
    """The current time in UTC, naive like the store's times (``CHITIEU_NOW`` if set)."""
    text = os.environ.get(SETTING, "").strip()
    if text:
        return _fixed(text)
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    """Today's date in Vietnam (by :func:`now`)."""
    return now().replace(tzinfo=UTC).astimezone(VN_TZ).date()
