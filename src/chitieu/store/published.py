"""What the facts read to keep unpublished values out of published figures (issue 17, item 1).

A unit's values in a report whose state does not feed published figures (a draft, a report
returned or reopened: ``workflow/publish.py``) are left out of the figures and count as missing
in their coverage. Two reads serve it: the reports of some years not in a publishing state
(now, or as they stood at an instant: the state their newest event at or before it left them
in), and the current-value slabs those reports' values belong to, as the facts read them
(pending values laid over; rolled back to an instant if given).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Connection, DateTime, String, bindparam, text

from chitieu.store import asof, pending
from chitieu.store.current import Slab, SlabKey, read_slabs


class Report(NamedTuple):
    """A report of the workflow: form × unit × period × round, and its state."""

    form: str
    unit: str
    period: str
    round: str
    status: str


_NOW = text(
    "SELECT form, unit, period, round, status FROM web_submission "
    "WHERE period >= :lo AND period < :hi"
)
#: each report's state at an instant: the state its newest event at or before it left it in
_THEN = text(
    "SELECT s.form, s.unit, s.period, s.round, e.to_status FROM web_submission s "
    "JOIN web_submission_event e ON e.submission_id = s.id "
    "WHERE s.period >= :lo AND s.period < :hi AND e.id = (SELECT max(x.id) FROM "
    "web_submission_event x WHERE x.submission_id = s.id AND x.at <= :as_of)"
).bindparams(bindparam("as_of", type_=DateTime))


def reports_not_in(
    conn: Connection, years: Iterable[int], states: Collection[str], as_of: datetime | None
) -> list[Report]:
    """The reports of periods of ``years`` whose state (at ``as_of`` if given) is not one of
    ``states`` (one statement; period ids begin with their year)."""
    ys = sorted(set(years))
    if not ys:
        return []
    params: dict[str, object] = {"lo": str(ys[0]), "hi": str(ys[-1] + 1)}
    if as_of is not None:
        params["as_of"] = as_of
    rows = conn.execute(_NOW if as_of is None else _THEN, params).all()
    return [Report(*r) for r in rows if r[4] not in states and int(r[2][:4]) in ys]


_MOVES = (
    text(
        "SELECT e.at, e.actor, s.unit FROM web_submission_event e JOIN web_submission s "
        "ON s.id = e.submission_id WHERE s.form IN :forms AND s.period IN :periods "
        "AND e.from_status IS NOT NULL AND e.to_status <> e.from_status ORDER BY e.at, e.id"
    )
    .bindparams(bindparam("forms", expanding=True), bindparam("periods", expanding=True))
    .columns(at=DateTime, actor=String, unit=String)
)


def report_moves(
    conn: Connection,
    forms: Sequence[str],
    periods: Sequence[str],
    units: Sequence[str] | None,
    as_of: datetime | None,
) -> list[tuple[datetime, str]]:
    """(time, actor) of each change of state of the reports of ``forms`` × ``periods`` (of
    ``units`` if given; by ``as_of`` if given), oldest first: the instants at which values
    begin or cease to feed published figures without a write."""
    if not forms or not periods:
        return []
    rows = conn.execute(_MOVES, {"forms": list(forms), "periods": list(periods)}).all()
    keep = None if units is None else set(units)
    return [
        (at, actor)
        for at, actor, unit in rows
        if (keep is None or unit in keep) and (as_of is None or at <= as_of)
    ]


def slabs_as_read(
    conn: Connection, keys: Sequence[SlabKey], as_of: datetime | None
) -> dict[SlabKey, Slab]:
    """The current-value slabs of ``keys`` as a read of the facts sees them: with the
    pending values laid over, and as they stood at ``as_of`` if given."""
    if not keys:
        return {}
    got = read_slabs(conn, keys)
    waiting = pending.read(conn, sorted({k[1] for k in keys})).in_years({k[0] for k in keys})
    laid = pending.overlay(got, waiting)
    slabs = {k: laid[k] for k in keys if k in laid}
    if as_of is None or not slabs:
        return slabs
    late = asof.late_batches(conn, as_of)
    rolled = asof.roll_back(conn, list(slabs.values()), late, as_of)
    return {s.key: s for s in rolled}
