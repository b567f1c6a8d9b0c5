"""The reporting round's tables (``web_submission``, ``web_submission_event``,
``approval_setting``): a report's — form × unit × period × round — state and version, its events
(the audit trail and the thread), administrators' overrides of a form's approval levels, and
what the audit, the board, the queues and the home page read.

Statements are built once and run with parameters (building and hashing a SQLAlchemy statement
per request cost more than running it; docs/PERFORMANCE.md, web section). Functions take the
connection they run on: a save's checks run inside the write transaction of ``Store.write``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    DateTime,
    Integer,
    RowMapping,
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
from chitieu.store.db import inserted_id
from chitieu.store.schema import observation
from chitieu.store.web_schema import approval_setting, submission, submission_event

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
_REPORT = (
    (_s.form == bindparam("form"))
    & (_s.unit == bindparam("unit"))
    & (_s.period == bindparam("period"))
    & (_s.round == bindparam("round"))
)
_SUBMISSION = select(submission).where(_REPORT)
_a = approval_setting.c
#: an administrator's override of a form's approval levels in force (NULL: the catalog's)
_LEVELS = (
    select(_a.levels)
    .where(_a.form == bindparam("form"))
    .order_by(_a.id.desc())
    .limit(1)
    .scalar_subquery()
)
#: a form's submission row (if any) and its cells in one round trip: one row per cell (one
#: row of NULL cells if none), each carrying the submission's columns (NULL if none)
_CELLS_OF = _CELLS.subquery("cells")
_ONE = select(literal(1).label("one")).subquery("one")
_STATE = select(
    *(c.label(f"s_{c.name}") for c in submission.c),
    *(c.label(f"c_{c.name}") for c in _CELLS_OF.c),
    _LEVELS.label("levels"),
).select_from(_ONE.outerjoin(submission, _REPORT).outerjoin(_CELLS_OF, true()))
_SUBMISSION_ID = select(_s.id).where(_REPORT)
#: a report whose values its unit may change: a draft, reopened, or returned to the unit
EDITABLE = (_s.status.in_([SubmissionStatus.DRAFT, SubmissionStatus.REOPENED])) | (
    (_s.status == SubmissionStatus.RETURNED) & (func.coalesce(_s.returned_to, 0) == 0)
)
#: a report whose values are locked for every writer (the opposite, for a report that exists)
LOCKED = _s.status.in_([str(s) for s in LOCKED_STATUSES]) | (
    (_s.status == SubmissionStatus.RETURNED) & (func.coalesce(_s.returned_to, 0) > 0)
)
#: bump the version of an editable report (a save; its state stays)
_BUMP = (
    update(submission)
    .where(_s.id == bindparam("sub_id"), EDITABLE)
    .values(version=_s.version + 1, updated_at=bindparam("at"), updated_by=bindparam("who"))
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
        ["submission_id", "at", "actor", "action", "from_status", "to_status", "batch_id", "level"],
        select(
            _BUMPED.c.id,
            bindparam("at", type_=DateTime),
            bindparam("who", type_=String),
            bindparam("action", type_=String),
            bindparam("from_status", type_=String),
            bindparam("from_status", type_=String),
            bindparam("batch_id", type_=Integer),
            bindparam("level", type_=Integer),
        ).select_from(_BUMPED),
    )
    .add_cte(_BUMPED)
    .returning(submission_event.c.id)
)
_EVENT = insert(submission_event)
_LOCKED = select(_s.id, _s.form, _s.unit, _s.period, _s.round, _s.status).where(
    LOCKED,
    _s.unit.in_(bindparam("units", expanding=True)),
    _s.period.in_(bindparam("periods", expanding=True)),
)
_OF_FORM = select(
    _s.unit, _s.status, _s.returned_to, _s.submitted_at, _s.submitted_by, _s.updated_at
).where(
    _s.form == bindparam("form"), _s.period == bindparam("period"), _s.round == bindparam("round")
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
    """The parameters that name a report's keys of values."""
    return {"period": period, "unit": unit, "indicators": list(indicators), "kind": kind}


def report_key(form: str, unit: str, period: str, round_: str) -> dict[str, str]:
    """The parameters that name a report."""
    return {"form": form, "unit": unit, "period": period, "round": round_}


class FormState(NamedTuple):
    """What one statement reads of a report: its row (None if it has none), its cells — (id,
    indicator, value, comment, created_at, created_by) of each key's newest vintage — and an
    administrator's override of its form's approval levels (None: the catalog's)."""

    row: Mapping[str, Any] | None
    cells: list[tuple[Any, ...]]
    levels: int | None


def form_state(conn: Connection, report: Mapping[str, str], keys: Mapping[str, Any]) -> FormState:
    """A report's row, its cells and its form's approval override, read in one statement."""
    sub: Mapping[str, Any] | None = None
    cells = []
    levels = None
    for r in conn.execute(_STATE, {**keys, **report}).mappings():
        levels = r["levels"]
        if sub is None and r["s_id"] is not None:
            sub = {c.name: r[f"s_{c.name}"] for c in submission.c}
        if r["c_id"] is not None:
            cells.append(tuple(r[f"c_{c.name}"] for c in _CELLS_OF.c))
    return FormState(sub, cells, None if levels is None else int(levels))


def last_obs(conn: Connection, keys: Mapping[str, Any], batch_id: int | None = None) -> int:
    """The newest observation id of a report's keys (only among ``batch_id``'s rows if given)."""
    if batch_id is None:
        return int(conn.execute(_LAST_OBS, keys).scalar_one())
    return int(conn.execute(_LAST_OBS_OF_BATCH, {**keys, "batch_id": batch_id}).scalar_one())


def submission_row(conn: Connection, report: Mapping[str, str]) -> RowMapping | None:
    """A report's row, if it exists."""
    return conn.execute(_SUBMISSION, dict(report)).mappings().first()


def ensure_submission(conn: Connection, report: Mapping[str, str], who: str, at: datetime) -> int:
    """The report's row id, created as a draft at version 0 if missing."""
    found = conn.execute(_SUBMISSION_ID, dict(report)).scalar()
    if found is not None:
        return int(found)
    try:
        with conn.begin_nested():
            new = {"status": SubmissionStatus.DRAFT, "version": 0, "updated_at": at}
            conn.execute(insert(submission).values(**report, **new, updated_by=who))
    except IntegrityError:
        pass  # made concurrently by another request
    return int(conn.execute(_SUBMISSION_ID, dict(report)).scalar_one())


def bump(conn: Connection, sub_id: int, base: int | None, at: datetime, who: str) -> int:
    """Raise an editable report's version (only if still at ``base``, when given); rows hit."""
    params = {"sub_id": sub_id, "at": at, "who": who}
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
    at: datetime,
    who: str,
    action: str,
    from_status: str,
    batch_id: int,
    level: int,
) -> bool:
    """A save's compare-and-set: raise the report's version if it is editable, still at
    ``base`` and its keys' newest observation id is still ``last``, and record the save's
    event. False (nothing changed) if any of that no longer holds. One statement on
    PostgreSQL (a round trip less while the save holds its locks), three on SQLite."""
    event = {"submission_id": sub_id, "at": at, "actor": who, "action": action,
             "from_status": from_status, "to_status": from_status, "batch_id": batch_id,
             "level": level}  # fmt: skip
    if conn.dialect.name == "postgresql":
        params = {f"k_{k}": v for k, v in keys.items()}
        params.update(event, sub_id=sub_id, base=base, last=last, who=who)
        del params["to_status"], params["submission_id"], params["actor"]
        return conn.execute(_BUMP_SAVED, params).first() is not None
    if bump(conn, sub_id, base, at, who) != 1 or last_obs(conn, keys) != last:
        return False
    add_event(conn, **event)
    return True


def status_of(conn: Connection, sub_id: int) -> str | None:
    """A report's status."""
    return conn.execute(_STATUS, {"sub_id": sub_id}).scalar()


def add_event(conn: Connection, **event: Any) -> int:
    """Record an event of a report (submission, at, actor, action, from/to status, batch,
    comment, level); its id."""
    got = conn.execute(
        _EVENT, {"batch_id": None, "comment": None, "from_status": None, "level": None, **event}
    )
    return inserted_id(got)


def move(
    conn: Connection, sub_id: int, from_status: str, version: int, values: Mapping[str, Any]
) -> int:
    """Move a report from ``from_status`` at ``version`` (compare-and-set); rows hit. Its
    version goes up by one."""
    q = (
        update(submission)
        .where(_s.id == sub_id, _s.status == from_status, _s.version == version)
        .values(**values, version=_s.version + 1)
    )
    return int(conn.execute(q).rowcount)


def locked(conn: Connection, slices: Iterable[tuple[str, str]]) -> list[Any]:
    """(id, form, unit, period, round, status) of the locked reports among the unit × period
    ``slices`` (read in the write's transaction, so a report approved meanwhile counts)."""
    pairs = set(slices)
    if not pairs:
        return []
    units = sorted({u for u, _ in pairs})
    periods = sorted({p for _, p in pairs})
    rows = conn.execute(_LOCKED, {"units": units, "periods": periods}).all()
    return [r for r in rows if (r.unit, r.period) in pairs]


def of_form(conn: Connection, form: str, period: str, round_: str) -> dict[str, Any]:
    """unit → (unit, status, returned_to, submitted_at, submitted_by, updated_at) of a form,
    period and round's reports."""
    params = {"form": form, "period": period, "round": round_}
    return {r.unit: r for r in conn.execute(_OF_FORM, params)}


def any_of_form(conn: Connection, form: str, period: str) -> bool:
    """Whether any unit has a report for the form and period (any round)."""
    return conn.execute(_ANY_OF_FORM, {"form": form, "period": period}).first() is not None


def reports(
    conn: Connection,
    *,
    statuses: Sequence[str] | None = None,
    units: Sequence[str] | None = None,
    forms: Sequence[str] | None = None,
    periods: Sequence[str] | None = None,
) -> list[RowMapping]:
    """Report rows matching every filter given (the queues, the home page), by form, period,
    round and unit."""
    q = select(submission).order_by(_s.form, _s.period, _s.round, _s.unit)
    for col, wanted in ((_s.status, statuses), (_s.unit, units), (_s.form, forms),
                        (_s.period, periods)):  # fmt: skip
        if wanted is not None:
            q = q.where(col.in_(list(wanted)))
    return list(conn.execute(q).mappings().all())


def events(conn: Connection, sub_id: int) -> list[RowMapping]:
    """A report's events, newest first."""
    return list(conn.execute(_EVENTS, {"sub_id": sub_id}).mappings().all())


def events_after(conn: Connection, after_id: int, limit: int = 1000) -> list[RowMapping]:
    """Events of every report with an id above ``after_id``, oldest first, each with its
    report's form, unit, period and round (what a notice engine reads)."""
    q = (
        select(submission_event, _s.form, _s.unit, _s.period, _s.round)
        .join(submission, _s.id == submission_event.c.submission_id)
        .where(submission_event.c.id > after_id)
        .order_by(submission_event.c.id)
        .limit(limit)
    )
    return list(conn.execute(q).mappings().all())


def batch_changes(conn: Connection, batch_id: int) -> list[RowMapping]:
    """The values a batch wrote, each with ``old``: the value of the vintage it replaced (None
    where there was none)."""
    return list(conn.execute(_BATCH_CHANGES, {"batch_id": batch_id}).mappings().all())


# --- approval levels ---


def approval_overrides(conn: Connection) -> dict[str, int | None]:
    """form → the approval levels an administrator set for it last (None: the catalog's)."""
    newest = select(func.max(_a.id)).group_by(_a.form).scalar_subquery()
    q = select(_a.form, _a.levels).where(_a.id.in_(newest))
    return {r.form: r.levels for r in conn.execute(q)}


def set_approval(
    conn: Connection, form: str, levels: int | None, at: datetime, actor: str, comment: str | None
) -> None:
    """Record an administrator's override of a form's approval levels (None: the catalog's)."""
    conn.execute(
        insert(approval_setting).values(
            form=form, levels=levels, at=at, actor=actor, comment=comment
        )
    )


def approval_history(conn: Connection, form: str) -> list[RowMapping]:
    """Every override of a form's approval levels, newest first."""
    q = select(approval_setting).where(_a.form == form).order_by(_a.id.desc())
    return list(conn.execute(q).mappings().all())
