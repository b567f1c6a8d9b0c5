"""Key tasks in the database: every statement on ``task`` and ``task_event``.

The rules (file checks, status words, defaults, ``overdue``) are ``chitieu.workflow.tasks``';
this module stores what it is given and hands back plain rows (one dict of columns per task).
Every write is one :meth:`Store.transaction` that also appends a ``task_event`` row per task
it touches: who, when, what (the store's data version counts those rows).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from chitieu.store.db import inserted_id, utcnow
from chitieu.store.tasks_schema import task, task_event
from chitieu.store.values import Store

#: the columns an import sets (``code`` is the key; ``created_*``/``updated_*`` are stamped here)
IMPORTED = ("period", "unit", "title", "lead_unit", "deadline", "sector", "source", "status",
            "progress", "position")  # fmt: skip
#: the columns an update may change
CHANGEABLE = ("status", "progress", "completed_on")
#: tasks in listing order: period, position in their file, id
_ALL = select(task).order_by(task.c.period, task.c.position, task.c.id)


def _event(
    conn: Connection,
    task_id: int,
    at: datetime,
    by: str,
    action: str,
    status: str | None,
    progress: str | None,
    completed_on: date | None = None,
) -> None:
    """Append a ``task_event`` row (``action``: import | update)."""
    conn.execute(
        insert(task_event).values(
            task_id=task_id,
            at=at,
            by=by,
            action=action,
            status=status,
            progress=progress,
            completed_on=completed_on,
        )
    )


def save_tasks(store: Store, rows: Iterable[Mapping[str, Any]], by: str) -> tuple[int, int]:
    """Insert tasks of new codes and update known ones, in one transaction: (created, updated).

    Each row holds ``code`` and the :data:`IMPORTED` columns; every row adds an ``import`` event.
    """
    now = utcnow()
    created = updated = 0
    with store.transaction() as conn:
        known = dict(conn.execute(select(task.c.code, task.c.id)).all())
        for r in rows:
            values: dict[str, Any] = {k: r[k] for k in IMPORTED}
            values.update(updated_at=now, updated_by=by)
            if r["code"] in known:
                tid = known[r["code"]]
                conn.execute(update(task).where(task.c.id == tid).values(**values))
                updated += 1
            else:
                values.update(code=r["code"], created_at=now, created_by=by)
                tid = inserted_id(conn.execute(insert(task).values(**values)))
                created += 1
            _event(conn, tid, now, by, "import", values["status"], values["progress"])
    return created, updated


def change_task(store: Store, task_id: int, by: str, changes: Mapping[str, Any]) -> None:
    """Set some :data:`CHANGEABLE` columns of a task and add an ``update`` event.

    The event holds the values set (a column not in ``changes`` is recorded as NULL).
    """
    unknown = set(changes) - set(CHANGEABLE)
    if unknown:
        raise ValueError(f"not changeable: {', '.join(sorted(unknown))}")
    now = utcnow()
    with store.transaction() as conn:
        conn.execute(
            update(task)
            .where(task.c.id == task_id)
            .values(**changes, updated_at=now, updated_by=by)
        )
        status, progress, done_on = (changes.get(c) for c in CHANGEABLE)
        _event(conn, task_id, now, by, "update", status, progress, done_on)


def task_rows(store: Store) -> list[dict[str, Any]]:
    """Every task (all columns), by period, position and id."""
    with store.read_conn() as conn:
        return [dict(r._mapping) for r in conn.execute(_ALL)]


def find_task(
    store: Store, *, task_id: int | None = None, code: str | None = None
) -> dict[str, Any] | None:
    """The task of ``task_id`` (or else of ``code``), all columns; None if there is none."""
    cond = task.c.id == task_id if task_id is not None else task.c.code == code
    with store.read_conn() as conn:
        row = conn.execute(select(task).where(cond)).first()
    return None if row is None else dict(row._mapping)
