"""Instants: the one reading of "as of" and the one way a time is shown.

Every command and API route that reads data "as it stood" at some moment takes the moment
through :func:`parse_instant`:

- an ISO date and time with an offset (``2026-12-07T16:21:43+07:00``) or ``Z`` is that instant;
- a date and time without an offset (``2026-12-07T16:21``) is Vietnam time (Asia/Ho_Chi_Minh);
- a bare date (``2023-06-25``) means everything recorded before 00:00 of the next day in
  Vietnam.

The result is the store's naive UTC, an *inclusive* upper bound on ``created_at`` (the reads
keep rows recorded at or before it): a bare date becomes the last microsecond of that day.

Times shown to a person are in Vietnam time with the zone named (:func:`show`); JSON carries
ISO 8601 with its offset (:func:`iso`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from babel.dates import format_datetime

from chitieu.catalog.vocabulary import VN_TZ
from chitieu.errors import ChitieuError

#: the zone every time is shown in, as people write it
ZONE_NAME = {"vi": "giờ Việt Nam", "en": "Vietnam time"}


class InstantError(ChitieuError):
    """A text that is not an ISO date or date-time (a usage error)."""

    exit_code = 2
    http_status = 422


def parse_instant(text: str, option: str = "--as-of") -> datetime:
    """The instant ``text`` names, as the store's naive UTC (see the module's rules)."""
    raw = (text or "").strip()
    try:
        if len(raw) == 10 and raw[4] == "-":  # a bare date: the end of that day in Vietnam
            day = date.fromisoformat(raw)
            at = datetime.combine(day + timedelta(days=1), time(0), tzinfo=VN_TZ)
            return at.astimezone(UTC).replace(tzinfo=None) - timedelta(microseconds=1)
        at = datetime.fromisoformat(raw.replace("z", "Z"))
    except (ValueError, IndexError):
        raise InstantError(code="input-bad-instant", option=option, value=raw) from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=VN_TZ)
    return at.astimezone(UTC).replace(tzinfo=None)


def maybe_instant(text: str | None, option: str = "--as-of") -> datetime | None:
    """:func:`parse_instant`, or None for no text (meaning: now)."""
    return parse_instant(text, option) if text and text.strip() else None


def aware(at: datetime) -> datetime:
    """A store time (naive UTC) as an aware time in Vietnam."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(VN_TZ)


def iso(at: datetime | None) -> str | None:
    """ISO 8601 with its offset, in Vietnam time (``2023-06-28T10:00:00+07:00``), for JSON."""
    return None if at is None else aware(at).isoformat()


def show(at: datetime, lang: str = "vi") -> str:
    """A time for a person: Vietnam time, the zone named (``28/06/2023 10:00 (giờ Việt Nam)``)."""
    local = aware(at)
    pattern = "dd/MM/yyyy HH:mm" if lang == "vi" else "d MMMM yyyy, HH:mm"
    text = format_datetime(local, pattern, locale="vi" if lang == "vi" else "en_GB")
    return f"{text} ({ZONE_NAME['vi' if lang == 'vi' else 'en']})"
