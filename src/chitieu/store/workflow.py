"""The reporting workflow's tables (``web_submission``, ``web_submission_event``): a form ×
unit × period's state and version, its events, and what the audit pages read.

Statements are built once and run with parameters (building and hashing a SQLAlchemy statement
per request cost more than running it; docs/PERFORMANCE.md, web section). Functions take the
connection they run on: a save's checks run inside the write transaction of ``Store.write``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    Integer,
    String,
    bindparam,
    func,
    insert,
    literal,
    select,
    text,
    true,
    update,
)
from sqlalchemy.exc import IntegrityError

from chitieu.catalog.vocabulary import LOCKED_STATUSES, SubmissionStatus
from chitieu.store.schema import observation
from chitieu.store.web_schema import submission, submission_event

_o = observation.c
_s = submission.c
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
_LAST_OBS_OF_BATCH = _LAST_OBS.where(_o.batch_id == bindparam("batch_id"))
_SUBMISSION = select(submission).where(
    _s.form == bindparam("form"), _s.unit == bindparam("unit"), _s.period == bindparam("period")
)
#: a form's submission row (if any) and its cells in one round trip: one row per cell (one
#: row of NULL cells if none), each carrying the submission's columns (NULL if none)
_CELLS_OF = _CELLS.subquery("cells")
_ONE = select(literal(1).label("one")).subquery("one")
_STATE = select(
    *(c.label(f"s_{c.name}") for c in submission.c), *(c.label(f"c_{c.name}") for c in _CELLS_OF.c)
).select_from(
    _ONE.outerjoin(
        submission,
        (_s.form == bindparam("form"))
        & (_s.unit == bindparam("unit"))
        & (_s.period == bindparam("period")),
    ).outerjoin(_CELLS_OF, true())
)
_SUBMISSION_ID = select(_s.id).where(
    _s.form == bindparam("form"), _s.unit == bindparam("unit"), _s.period == bindparam("period")
)
#: bump the version of an editable report, making it a draft again (an explicit overwrite)
_BUMP = (
    update(submission)
    .where(
        _s.id == bindparam("sub_id"),
        _s.status.in_([SubmissionStatus.DRAFT, SubmissionStatus.RETURNED]),
    )
    .values(
        version=_s.version + 1,
        status=bindparam("new_status"),
        updated_at=bindparam("at"),
        updated_by=bindparam("who"),
    )
)
#: the same, only if the report is still at the version the client read (compare-and-set)
_BUMP_IF_AT = _BUMP.where(_s.version == bindparam("base"))
_STATUS = select(_s.status).where(_s.id == bindparam("sub_id"))
#: a save's compare-and-set in one statement (PostgreSQL): bump the report if it is still at
#: the version the client read and its keys' newest id is still the one it read, and record
#: the event of the save only if it did
#: (its keys' parameters renamed: an UPDATE would take parameters named as its columns as
#: new values of them)
_LAST_OBS_IN_BUMP = select(func.coalesce(func.max(_o.id), 0)).where(
    _o.period == bindparam("k_period"),
    _o.unit == bindparam("k_unit"),
    _o.kind == bindparam("k_kind"),
    _o.indicator.in_(bindparam("k_indicators", expanding=True)),
)
_BUMPED = (
    _BUMP_IF_AT.where(_LAST_OBS_IN_BUMP.scalar_subquery() == bindparam("last"))
    .returning(_s.id)
    .cte("bumped")
)
_BUMP_SAVED = (
    insert(submission_event)
    .from_select(
        ["submission_id", "at", "actor", "action", "from_status", "to_status", "batch_id"],
        select(
            _BUMPED.c.id,
            bindparam("at", type_=DateTime),
            bindparam("who", type_=String),
            bindparam("action", type_=String),
            bindparam("from_status", type_=String),
            bindparam("new_status", type_=String),
            bindparam("batch_id", type_=Integer),
        ).select_from(_BUMPED),
    )
    .add_cte(_BUMPED)
    .returning(submission_event.c.id)
)
_EVENT = insert(submission_event)
_LOCKED = select(_s.id, _s.form, _s.unit, _s.period, _s.status).where(
    _s.status.in_([str(s) for s in LOCKED_STATUSES]),
    _s.unit.in_(bindparam("units", expanding=True)),
    _s.period.in_(bindparam("periods", expanding=True)),
)
_OF_FORM = select(_s.unit, _s.status, _s.submitted_at).where(
    _s.form == bindparam("form"), _s.period == bindparam("period")
)
_ANY_OF_FORM = select(_s.id).where(_s.form == bindparam("form"), _s.period == bindparam("period"))
_EVENTS = (
    select(submission_event)
    .where(submission_event.c.submission_id == bindparam("sub_id"))
    .order_by(submission_event.c.id.desc())
)
#: the values a batch wrote, each with the vintage it replaced (the previous one of its key)
_BATCH_CHANGES = text(
    "WITH keys AS (SELECT DISTINCT indicator, unit, period, kind FROM observation "
    "WHERE batch_id = :batch_id), "
    "h AS (SELECT o.*, LAG(o.value) OVER (PARTITION BY o.indicator, o.unit, o.period, o.kind "
    "ORDER BY o.id) AS old FROM observation o JOIN keys k ON o.indicator = k.indicator "
    "AND o.unit = k.unit AND o.period = k.period AND o.kind = k.kind) "
    "SELECT indicator, unit, period, kind, old, value, created_at, created_by, source, "
    "batch_id, comment FROM h WHERE batch_id = :batch_id ORDER BY id"
).columns(created_at=DateTime)


def form_keys(indicators: Sequence[str], unit: str, period: str, kind: str) -> dict[str, Any]:
    """The parameters that name a form's keys."""
    return {"period": period, "unit": unit, "indicators": list(indicators), "kind": kind}


def form_state(
    conn: Connection, form: str, keys: Mapping[str, Any]
) -> tuple[Mapping[str, Any] | None, list[Any]]:
    """A form's submission row (None if it has none) and its cells — (id, indicator, value,
    comment, created_at, created_by) of each key's newest vintage — read in one statement."""
    sub: Mapping[str, Any] | None = None
    cells = []
    for r in conn.execute(_STATE, {**keys, "form": form}).mappings():
        if sub is None and r["s_id"] is not None:
            sub = {c.name: r[f"s_{c.name}"] for c in submission.c}
        if r["c_id"] is not None:
            cells.append(tuple(r[f"c_{c.name}"] for c in _CELLS_OF.c))
    return sub, cells


def last_obs(conn: Connection, keys: Mapping[str, Any], batch_id: int | None = None) -> int:
    """The newest observation id of a form's keys (only among ``batch_id``'s rows if given)."""
    if batch_id is None:
        return int(conn.execute(_LAST_OBS, keys).scalar_one())
    return int(conn.execute(_LAST_OBS_OF_BATCH, {**keys, "batch_id": batch_id}).scalar_one())


def submission_row(conn: Connection, form: str, unit: str, period: str) -> Mapping[str, Any] | None:
    """The submission row of a form × unit × period, if it exists."""
    got = conn.execute(_SUBMISSION, {"form": form, "unit": unit, "period": period})
    return got.mappings().first()


def ensure_submission(
    conn: Connection, form: str, unit: str, period: str, who: str, at: datetime
) -> int:
    """The submission row's id, created as a draft at version 0 if missing."""
    params = {"form": form, "unit": unit, "period": period}
    found = conn.execute(_SUBMISSION_ID, params).scalar()
    if found is not None:
        return int(found)
    try:
        with conn.begin_nested():
            new = {"status": SubmissionStatus.DRAFT, "version": 0, "updated_at": at}
            conn.execute(insert(submission).values(**params, **new, updated_by=who))
    except IntegrityError:
        pass  # made concurrently by another request
    return int(conn.execute(_SUBMISSION_ID, params).scalar_one())


def bump(
    conn: Connection, sub_id: int, base: int | None, new_status: str, at: datetime, who: str
) -> int:
    """Raise an editable report's version (only if still at ``base``, when given); rows hit."""
    params = {"sub_id": sub_id, "new_status": new_status, "at": at, "who": who}
    if base is None:
        return int(conn.execute(_BUMP, params).rowcount)
    return int(conn.execute(_BUMP_IF_AT, {**params, "base": base}).rowcount)


def bump_saved(
    conn: Connection,
    keys: Mapping[str, Any],
    *,
    sub_id: int,
    base: int,
    last: int,
    new_status: str,
    at: datetime,
    who: str,
    action: str,
    from_status: str,
    batch_id: int,
) -> bool:
    """A save's compare-and-set: raise the report's version if it is editable, still at
    ``base`` and its keys' newest observation id is still ``last``, and record the save's
    event. False (nothing changed) if any of that no longer holds. One statement on
    PostgreSQL (a round trip less while the save holds its locks), three on SQLite."""
    event = {"submission_id": sub_id, "at": at, "actor": who, "action": action,
             "from_status": from_status, "to_status": new_status, "batch_id": batch_id}  # fmt: skip
    if conn.dialect.name == "postgresql":
        params = {f"k_{k}": v for k, v in keys.items()}
        params.update(event, sub_id=sub_id, base=base, last=last, who=who, new_status=new_status)
        return conn.execute(_BUMP_SAVED, params).first() is not None
    if bump(conn, sub_id, base, new_status, at, who) != 1 or last_obs(conn, keys) != last:
        return False
    add_event(conn, **event)
    return True


def status_of(conn: Connection, sub_id: int) -> str | None:
    """A submission's status."""
    return conn.execute(_STATUS, {"sub_id": sub_id}).scalar()


def add_event(conn: Connection, **event: Any) -> None:
    """Record a workflow event (submission, at, actor, action, from/to status, batch, comment)."""
    conn.execute(_EVENT, {"batch_id": None, "comment": None, "from_status": None, **event})


def move(conn: Connection, sub_id: int, from_status: str, values: Mapping[str, Any]) -> int:
    """Move a submission from ``from_status`` (compare-and-set); rows hit. ``values`` may use
    ``version=None`` to mean "one more"."""
    vals = dict(values)
    if "version" in vals and vals["version"] is None:
        vals["version"] = _s.version + 1
    q = update(submission).where(_s.id == sub_id, _s.status == from_status).values(**vals)
    return int(conn.execute(q).rowcount)


def locked(conn: Connection, slices: Iterable[tuple[str, str]]) -> list[Any]:
    """(id, form, unit, period, status) of the submitted or approved reports among the unit ×
    period ``slices`` (read in the write's transaction, so a report approved meanwhile counts)."""
    pairs = set(slices)
    if not pairs:
        return []
    units = sorted({u for u, _ in pairs})
    periods = sorted({p for _, p in pairs})
    rows = conn.execute(_LOCKED, {"units": units, "periods": periods}).all()
    return [r for r in rows if (r.unit, r.period) in pairs]


def of_form(conn: Connection, form: str, period: str) -> dict[str, Any]:
    """unit → (unit, status, submitted_at) of a form and period's submissions."""
    return {r.unit: r for r in conn.execute(_OF_FORM, {"form": form, "period": period})}


def any_of_form(conn: Connection, form: str, period: str) -> bool:
    """Whether any unit has a submission row for the form and period."""
    return conn.execute(_ANY_OF_FORM, {"form": form, "period": period}).first() is not None


def events(conn: Connection, sub_id: int) -> list[Mapping[str, Any]]:
    """A submission's events, newest first."""
    return list(conn.execute(_EVENTS, {"sub_id": sub_id}).mappings().all())


def batch_changes(conn: Connection, batch_id: int) -> list[Mapping[str, Any]]:
    """The values a batch wrote, each with ``old``: the value of the vintage it replaced (None
    where there was none)."""
    return list(conn.execute(_BATCH_CHANGES, {"batch_id": batch_id}).mappings().all())
