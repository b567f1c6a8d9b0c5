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
    as_of: datetime | None = None,
) -> list[Touch]:
    """Batches that wrote any of ``indicators`` × ``periods`` (of ``units``, if given; those
    recorded by ``as_of``, if given), oldest first (by their newest such vintage, then id)."""
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
    if as_of is not None:
        q = q.where(o.created_at <= as_of)
    with store.read_conn() as conn:
        return [Touch(*row) for row in conn.execute(q)]


def stored_periods(
    store: Store,
    indicators: Sequence[str],
    units: Sequence[str] | None = None,
    as_of: datetime | None = None,
) -> list[str]:
    """The periods any of ``indicators`` has vintages of (of ``units``, if given; recorded by
    ``as_of``, if given), sorted."""
    o = observation.c
    q = select(o.period).distinct().where(o.indicator.in_(list(indicators)))
    if units is not None:
        q = q.where(o.unit.in_(list(units)))
    if as_of is not None:
        q = q.where(o.created_at <= as_of)
    with store.read_conn() as conn:
        return sorted(str(p) for (p,) in conn.execute(q))


@dataclass(frozen=True)
class Guess:
    """A unit's estimate of a figure and the actual it was followed by."""

    indicator: str
    unit: str
    period: str
    estimate: float
    estimated_at: datetime
    actual: float
    actual_at: datetime


def estimates_and_actuals(
    store: Store,
    indicators: Sequence[str] | None = None,
    units: Sequence[str] | None = None,
    as_of: datetime | None = None,
) -> list[Guess]:
    """Every figure a unit estimated itself ("ước", no method: not the ministry's estimate)
    and later reported as actual: the last estimate recorded before the first actual, and the
    newest actual (vintages recorded by ``as_of``, if given)."""
    o = observation.c
    q = (
        select(o.indicator, o.unit, o.period, o.kind, o.value, o.created_at, o.method)
        .where(o.kind.in_(["estimate", "actual"]))
        .order_by(o.indicator, o.unit, o.period, o.id)
    )
    if indicators is not None:
        q = q.where(o.indicator.in_(list(indicators)))
    if units is not None:
        q = q.where(o.unit.in_(list(units)))
    if as_of is not None:
        q = q.where(o.created_at <= as_of)
    with store.read_conn() as conn:
        rows = conn.execute(q).all()
    out: list[Guess] = []
    key: tuple[str, str, str] | None = None
    est: tuple[float, datetime] | None = None
    act: tuple[float, datetime] | None = None
    seen_actual = False
    for ind, unit, period, kind, value, at, method in [*rows, (None,) * 7]:
        if (ind, unit, period) != key:
            if key is not None and est is not None and act is not None:
                out.append(Guess(*key, est[0], est[1], act[0], act[1]))
            key, est, act, seen_actual = (ind, unit, period), None, None, False
        if kind == "actual":
            seen_actual = True
            act = None if value is None else (float(value), at)
        elif kind == "estimate" and not seen_actual and method is None:
            est = None if value is None else (float(value), at)
    return out


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
