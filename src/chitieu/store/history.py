"""The history of a figure in the vintages: which batches touched it, and how many units made it.

A figure the review computes (a national total, a year rolled up from its halves) has no
vintages of its own; ``chitieu.analyze.revisions`` reads its releases from the facts as they
stood after each batch that wrote one of its inputs. These are the two questions it asks of
``observation``; which indicators, units and periods make a figure is the caller's to say.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import distinct, func, select

from chitieu.store.schema import batch, observation
from chitieu.store.values import Store


@dataclass(frozen=True)
class Touch:
    """A batch that wrote vintages of a figure's inputs."""

    batch_id: int
    at: datetime  # its newest vintage among them
    source: str | None
    created_by: str


def batches_touching(
    store: Store,
    indicators: Sequence[str],
    periods: Sequence[str],
    units: Sequence[str] | None = None,
) -> list[Touch]:
    """Batches that wrote any of ``indicators`` × ``periods`` (of ``units``, if given), oldest
    first (by their newest such vintage, then by id)."""
    o = observation.c
    q = (
        select(o.batch_id, func.max(o.created_at), batch.c.source, batch.c.created_by)
        .join(batch, batch.c.id == o.batch_id)
        .where(o.indicator.in_(list(indicators)), o.period.in_(list(periods)))
        .group_by(o.batch_id, batch.c.source, batch.c.created_by)
        .order_by(func.max(o.created_at), o.batch_id)
    )
    if units is not None:
        q = q.where(o.unit.in_(list(units)))
    with store.read_conn() as conn:
        return [Touch(*row) for row in conn.execute(q)]


def units_with_values(
    store: Store,
    indicator: str,
    periods: Sequence[str],
    as_of: datetime,
    *,
    units: Sequence[str] | None = None,
    exclude: str | None = None,
) -> int:
    """How many units had a vintage with a value of ``indicator`` in ``periods`` by ``as_of``
    (among ``units`` if given; never the unit ``exclude``)."""
    o = observation.c
    q = select(func.count(distinct(o.unit))).where(
        o.indicator == indicator,
        o.period.in_(list(periods)),
        o.created_at <= as_of,
        o.value.is_not(None),
    )
    if units is not None:
        q = q.where(o.unit.in_(list(units)))
    if exclude is not None:
        q = q.where(o.unit != exclude)
    with store.read_conn() as conn:
        return int(conn.execute(q).scalar_one())
