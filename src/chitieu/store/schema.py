"""Database tables (SQLAlchemy Core). Alembic migrations in ``migrations/`` create them.

Values are append-only vintages: a change is a new ``observation`` row, the current value of a
key (indicator, unit, period, kind) is its row with the highest id, and an earlier state is
read back by ignoring rows created after a timestamp. A NULL value records a deletion.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

#: SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Kind(StrEnum):
    """What a value is: a measured figure, an estimate ("ước"), or a target."""

    ACTUAL = "actual"
    ESTIMATE = "estimate"
    PLAN = "plan"


class Status(StrEnum):
    """Whether a value may still change."""

    PROVISIONAL = "provisional"  # sơ bộ
    FINAL = "final"  # chính thức


batch = Table(
    "batch",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("source", String(32), nullable=False),  # import | demo | web | api | estimate
    Column("filename", String(512)),
    Column("sha256", String(64)),
    Column("rows", Integer, nullable=False, default=0),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("note", Text),
)

observation = Table(
    "observation",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("indicator", String(64), nullable=False),
    Column("unit", String(16), nullable=False),
    Column("period", String(16), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("value", Float),
    Column("status", String(16), nullable=False),
    Column("source", String(512)),
    Column("batch_id", BigId, ForeignKey("batch.id"), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("comment", Text),
    Column("method", String(64)),  # how an estimate was made
    Column("inputs", JSON),  # what an estimate was made from
)

# One index serves period slices (summaries) and key look-ups (history), newest id last.
Index(
    "ix_observation_key",
    observation.c.period,
    observation.c.indicator,
    observation.c.unit,
    observation.c.kind,
    observation.c.id,
)
