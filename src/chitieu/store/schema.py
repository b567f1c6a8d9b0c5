"""Database tables (SQLAlchemy Core). Alembic migrations in ``migrations/`` create them.

Values are append-only vintages: a change is a new ``observation`` row, the current value of a
key (indicator, unit, period, kind) is its row with the highest id, and an earlier state is
read back by ignoring rows created after a timestamp. A NULL value records a deletion.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
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

#: the few vintages that carry a comment or an estimate's method: the exports read them by
#: this partial index instead of scanning every vintage (store/exchange.py, migration 0014)
Index(
    "ix_observation_annotated",
    observation.c.period,
    sqlite_where=(observation.c.comment.isnot(None)) | (observation.c.method.isnot(None)),
    postgresql_where=(observation.c.comment.isnot(None)) | (observation.c.method.isnot(None)),
)

#: the newest vintage of every key, one row per indicator × year (see store/current.py);
#: written by ``Store.write`` in the transaction that writes the vintages
current_slab = Table(
    "current_slab",
    metadata,
    Column("year", Integer, nullable=False),
    Column("indicator", String(64), nullable=False),
    Column("units", Text, nullable=False),
    Column("periods", Text, nullable=False),  # the period ids it holds values of
    Column("data", LargeBinary, nullable=False),
    Column("version", BigInteger, nullable=False),  # the batch that last changed it
    PrimaryKeyConstraint("year", "indicator"),
)

#: when each slab's first vintage was recorded: the earliest ``created_at`` of any vintage of
#: its keys (current, older, deleted or pending), kept by ``Store.write`` in the transaction
#: that writes them (``store/since.py``, migration 0020). An as-of read knows from it that a
#: slab held nothing yet at an instant without reading its vintages; a slab with no row here
#: is read the exact slow way (never assumed empty)
slab_since = Table(
    "slab_since",
    metadata,
    Column("year", Integer, nullable=False),
    Column("indicator", String(64), nullable=False),
    Column("first_at", DateTime, nullable=False),
    PrimaryKeyConstraint("year", "indicator"),
)

#: the analytics: per province system, indicator and year, every target unit's figure of
#: every period of the year, rolled up from the current values (see store/analytics.py)
cube_slab = Table(
    "cube_slab",
    metadata,
    Column("system", String(8), nullable=False),
    Column("year", Integer, nullable=False),
    Column("indicator", String(64), nullable=False),
    Column("generation", String(64), nullable=False),  # the model it was computed with
    Column("based_on", BigInteger, nullable=False),  # the current slab's version it reflects
    Column("targets", Text, nullable=False),
    Column("sources", Text, nullable=False),
    Column("n_targets", Integer, nullable=False),
    Column("cells", LargeBinary, nullable=False),
    PrimaryKeyConstraint("system", "year", "indicator"),
)

#: values of small writes not yet folded into their current slabs (see store/pending.py)
pending_value = Table(
    "pending_value",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("batch_id", BigInteger, nullable=False),
    Column("indicator", String(64), nullable=False),
    Column("unit", String(16), nullable=False),
    Column("period", String(16), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("value", Float),
    Column("status", String(16), nullable=False),
    Column("method", String(64)),
)
#: one row per key: a key saved again replaces its pending value
Index(
    "ix_pending_value_key",
    pending_value.c.indicator,
    pending_value.c.unit,
    pending_value.c.period,
    pending_value.c.kind,
    unique=True,
)
