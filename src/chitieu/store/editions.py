"""Editions of a report as adopted (table ``report_edition``, migration 0018): what was issued,
frozen — the as-of instant, the options, the facts (JSON), each file written with its SHA-256 —
so that the adopted report, deck and board can be made again and checked. Rows are only added:
a correction is a new edition of the same period, unit and language. Only SQL here;
``report/editions.py`` decides what goes in."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    insert,
    select,
)

from chitieu.store.schema import metadata

if TYPE_CHECKING:
    from chitieu.store.values import Store

#: one adopted edition; ``previous_id``: the edition of the same period, unit and language it
#: corrects; ``changes``: the facts that differ from it (JSON list)
edition = Table(
    "report_edition",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("period", String(16), nullable=False),
    Column("unit", String(32), nullable=False),
    Column("lang", String(8), nullable=False),
    Column("as_of", DateTime, nullable=False),
    Column("issued_at", DateTime, nullable=False),
    Column("issued_by", String(128), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("options", Text, nullable=False),
    Column("facts", Text, nullable=False),
    Column("facts_sha256", String(64), nullable=False),
    Column("files", Text, nullable=False),
    Column("previous_id", Integer, ForeignKey("report_edition.id"), nullable=True),
    Column("changes", Text, nullable=False),
    Index("ix_report_edition_period", "period", "unit", "lang", "id"),
)
_e = edition.c


@dataclass(frozen=True)
class Edition:
    """One stored edition (JSON columns read back)."""

    id: int
    period: str
    unit: str
    lang: str
    as_of: datetime
    issued_at: datetime
    issued_by: str
    note: str
    options: dict[str, Any]
    facts_sha256: str
    files: list[dict[str, Any]]
    previous_id: int | None
    changes: list[dict[str, Any]]
    facts: dict[str, Any] | None = field(default=None, compare=False)


_LIST = (_e.id, _e.period, _e.unit, _e.lang, _e.as_of, _e.issued_at, _e.issued_by, _e.note,
         _e.options, _e.facts_sha256, _e.files, _e.previous_id, _e.changes)  # fmt: skip


def _edition(r: Any, facts: str | None = None) -> Edition:
    return Edition(
        int(r.id), r.period, r.unit, r.lang, r.as_of, r.issued_at, r.issued_by, r.note,
        json.loads(r.options), r.facts_sha256, json.loads(r.files),
        None if r.previous_id is None else int(r.previous_id), json.loads(r.changes),
        None if facts is None else json.loads(facts),
    )  # fmt: skip


def add_edition(store: Store, row: dict[str, Any]) -> int:
    """Store one edition (``row``: the columns, JSON ones as Python values); its number."""
    values = dict(row)
    for name in ("options", "facts", "files", "changes"):
        values[name] = json.dumps(values[name], ensure_ascii=False, sort_keys=True, default=str)
    with store.transaction() as conn:
        key = conn.execute(insert(edition).values(**values)).inserted_primary_key
    assert key is not None
    return int(key[0])


def latest_edition(store: Store, period: str, unit: str, lang: str) -> Edition | None:
    """The newest edition of a period, unit and language, with its facts (None: none yet)."""
    q = (
        select(*_LIST, _e.facts)
        .where(_e.period == period, _e.unit == unit, _e.lang == lang)
        .order_by(_e.id.desc())
        .limit(1)
    )
    with store.read_conn() as conn:
        r = conn.execute(q).first()
    return None if r is None else _edition(r, r.facts)


def editions(store: Store, period: str | None = None) -> list[Edition]:
    """Every edition (of one period), oldest first, without their facts."""
    q = select(*_LIST).order_by(_e.id)
    if period:
        q = q.where(_e.period == period)
    with store.read_conn() as conn:
        return [_edition(r) for r in conn.execute(q).all()]


def get_edition(store: Store, number: int) -> Edition | None:
    """Edition ``number`` with its facts (None: no such edition)."""
    with store.read_conn() as conn:
        r = conn.execute(select(*_LIST, _e.facts).where(_e.id == number)).first()
    return None if r is None else _edition(r, r.facts)


class EditionRecords:
    """The editions of one store, as ``report/editions.py`` uses them (it imports no store)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, row: dict[str, Any]) -> int:
        """Store one edition; its number."""
        return add_edition(self.store, row)

    def latest(self, period: str, unit: str, lang: str) -> Edition | None:
        """The newest edition of a period, unit and language, with its facts."""
        return latest_edition(self.store, period, unit, lang)

    def get(self, number: int) -> Edition | None:
        """Edition ``number`` with its facts."""
        return get_edition(self.store, number)

    def list(self, period: str | None = None) -> list[Edition]:
        """Every edition (of one period), oldest first."""
        return editions(self.store, period)
