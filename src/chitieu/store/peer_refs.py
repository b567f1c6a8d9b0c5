"""Repository of imported peer reference figures: the rows of ``benchmark_reference``.

An import is one batch (``source="benchmark"``) and its reference rows, written in one
transaction: all of them or none. Rows are never updated; a revised figure is a new row in a
newer batch, so the batch count of the data version (``store/version.py``) changes with every
import. What the rows mean (checking a file, which layer wins) is ``chitieu.benchmark.reference``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from chitieu.store.benchmark_schema import benchmark_reference
from chitieu.store.db import inserted_id, utcnow
from chitieu.store.schema import batch
from chitieu.store.values import Store

#: the note of an import's batch
BATCH_NOTE = "benchmark reference figures"


@dataclass(frozen=True)
class PeerRow:
    """One reference figure as stored (empty optional texts are NULL)."""

    country_iso3: str
    year: int
    indicator: str
    value: float
    unit: str
    scope_note: str | None
    source_title: str
    source_url_or_ref: str
    retrieved_via: str | None
    row: int | None = None  # row number in the imported file
    batch_id: int | None = None  # set on rows read back


_ROW_COLUMNS = (
    "country_iso3",
    "year",
    "indicator",
    "value",
    "unit",
    "scope_note",
    "source_title",
    "source_url_or_ref",
    "retrieved_via",
    "row",
)


def add_peer_rows(
    store: Store,
    rows: Sequence[PeerRow],
    *,
    filename: str,
    sha256: str | None,
    created_by: str,
    at: datetime | None = None,
) -> int:
    """Store ``rows`` as one new batch, in one transaction; return the batch id."""
    at = at or utcnow()
    with store.transaction() as conn:
        batch_id = inserted_id(
            conn.execute(
                insert(batch).values(
                    source="benchmark",
                    filename=filename,
                    sha256=sha256,
                    rows=len(rows),
                    created_at=at,
                    created_by=created_by,
                    note=BATCH_NOTE,
                )
            )
        )
        if rows:
            conn.execute(
                insert(benchmark_reference),
                [
                    {
                        **{c: getattr(r, c) for c in _ROW_COLUMNS},
                        "batch_id": batch_id,
                        "created_at": at,
                        "created_by": created_by,
                    }
                    for r in rows
                ],
            )
    return batch_id


def peer_rows(store: Store, as_of: datetime | None = None) -> list[PeerRow]:
    """Every imported reference row (recorded by ``as_of`` if given), newest batch first (file
    order within a batch)."""
    t = benchmark_reference
    q = select(*(t.c[c] for c in _ROW_COLUMNS), t.c.batch_id).order_by(t.c.batch_id.desc(), t.c.id)
    if as_of is not None:
        q = q.where(t.c.created_at <= as_of)
    with store.read_conn() as conn:
        return [PeerRow(*r) for r in conn.execute(q)]
