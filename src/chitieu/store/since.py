"""When each slab's first vintage was recorded (``slab_since``, migration 0020).

A slab (indicator × year) held nothing at an instant T exactly when every vintage of its keys
was recorded after T: its earliest ``created_at`` is after T. ``Store.write`` keeps that time in
the transaction that writes the vintages (:func:`note`): a write recorded earlier than the
time kept (a backfill, ``Store.write(at=...)``) moves it back. An as-of read then knows a slab
empty at T (an instant before its year's data came) without reading its vintages
(``store/analytics.py`` in the statement that reads the cube slices; :func:`unborn` for a slab
of pending values only, ``Store.cubes``). A slab with no row (a store restored from a copy
made without the table) is never assumed empty: it is rolled back the exact way.

On PostgreSQL the time is kept by two statements that lock no existing row unless they move
it back: writers of different units of one indicator-year (``store/pending.py``) do not queue
for it once its row exists. The first write of a new indicator-year inserts the row, and
writers of that indicator-year that come meanwhile queue on the insert (the unique key) until
it commits — once per indicator-year.

``chitieu check-store`` finds a row whose time is later than the slab's first vintage
(:func:`late`: an as-of read would take the slab for empty when it was not); a missing row is
no fault (the slab is rolled back the exact way). ``check-store --repair`` rebuilds the table
from the vintages (:func:`rebuild`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, DateTime, bindparam, text

from chitieu.store.current import SlabKey

_ADD = text(
    "INSERT INTO slab_since (year, indicator, first_at) VALUES (:year, :indicator, :at) "
    "ON CONFLICT (year, indicator) DO NOTHING"
).bindparams(bindparam("at", type_=DateTime))
_EARLIER = text(
    "UPDATE slab_since SET first_at = :at WHERE year = :year AND indicator = :indicator "
    "AND first_at > :at"
).bindparams(bindparam("at", type_=DateTime))
_UNBORN = text(
    "SELECT year, indicator FROM slab_since WHERE year IN :years AND indicator IN :inds "
    "AND first_at > :as_of"
).bindparams(
    bindparam("years", expanding=True), bindparam("inds", expanding=True),
    bindparam("as_of", type_=DateTime),
)  # fmt: skip
#: every slab's first time, from the vintages (a period id starts with its year)
_FROM_VINTAGES = (
    "INSERT INTO slab_since (year, indicator, first_at) "
    "SELECT CAST(substr(period, 1, 4) AS INTEGER), indicator, min(created_at) "
    "FROM observation WHERE {digits} GROUP BY substr(period, 1, 4), indicator"
)
_DIGITS = {
    "sqlite": "substr(period, 1, 4) GLOB '[0-9][0-9][0-9][0-9]'",
    "postgresql": "period ~ '^[0-9]{4}'",
}


def note(conn: Connection, keys: Iterable[SlabKey], at: datetime) -> None:
    """Record that vintages of the slabs ``keys`` were written at ``at`` (in the writing
    transaction, after its vintages)."""
    rows = [{"year": y, "indicator": i, "at": at} for y, i in keys if i is not None]
    if rows:
        conn.execute(_ADD, rows)
        conn.execute(_EARLIER, rows)


def unborn(conn: Connection, keys: Iterable[SlabKey], as_of: datetime) -> set[SlabKey]:
    """Which of the slabs ``keys`` held nothing yet at ``as_of`` (their first vintage was
    recorded after it; a slab with no row is not among them)."""
    wanted = set(keys)
    if not wanted:
        return set()
    years, inds = sorted({y for y, _ in wanted}), sorted({i for _, i in wanted})
    got = conn.execute(_UNBORN, {"years": years, "inds": inds, "as_of": as_of})
    return {(int(y), i) for y, i in got if (int(y), i) in wanted}


def late(conn: Connection) -> tuple[int, list[tuple[int, str, datetime, datetime]]]:
    """How many rows of ``slab_since`` have vintages, and those whose time is later than
    their slab's first vintage: (year, indicator, the row's time, the first vintage's)."""
    digits = _DIGITS.get(conn.dialect.name, "1 = 1")
    first = (
        "SELECT CAST(substr(period, 1, 4) AS INTEGER) AS year, indicator, "
        f"min(created_at) AS first FROM observation WHERE {digits} "
        "GROUP BY substr(period, 1, 4), indicator"
    )
    q = text(
        f"SELECT s.year, s.indicator, s.first_at, v.first FROM slab_since s JOIN ({first}) v "
        "ON v.year = s.year AND v.indicator = s.indicator ORDER BY s.year, s.indicator"
    ).columns(first_at=DateTime, first=DateTime)
    rows = [(int(y), str(i), a, b) for y, i, a, b in conn.execute(q)]
    return len(rows), [r for r in rows if r[2] > r[3]]


def rebuild(conn: Connection) -> None:
    """Every slab's first time again from the vintages (the migration that adds the table;
    a repair). One pass over the vintages."""
    conn.execute(text("DELETE FROM slab_since"))
    digits = _DIGITS.get(conn.dialect.name, "1 = 1")
    conn.execute(text(_FROM_VINTAGES.format(digits=digits)))
