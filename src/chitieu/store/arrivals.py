"""What the vintages say about when figures arrived (completeness, revisions)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, bindparam, func, select

from chitieu.catalog.vocabulary import Kind
from chitieu.store.schema import observation

_o = observation.c
#: per unit, indicator, kind and own/made by a method: the first value received by a time
_FIRST = (
    select(
        _o.unit, _o.indicator, _o.method.is_(None).label("own"), func.min(_o.created_at), _o.kind
    )
    .where(
        _o.period.in_(bindparam("periods", expanding=True)),
        _o.indicator.in_(bindparam("indicators", expanding=True)),
        _o.unit.in_(bindparam("units", expanding=True)),
        _o.kind.in_(bindparam("kinds", expanding=True)),
        _o.value.is_not(None),
        _o.created_at <= bindparam("as_of"),
    )
    .group_by(_o.unit, _o.indicator, _o.method.is_(None), _o.kind)
)


@dataclass
class Arrivals:
    """When each unit's own values of each indicator first arrived; who has ministry estimates."""

    own: dict[str, dict[str, datetime]] = field(default_factory=dict)
    estimated: set[str] = field(default_factory=set)


def first_values(
    conn: Connection,
    periods: Sequence[str],
    indicators: Sequence[str],
    units: Sequence[str],
    kinds: Sequence[str],
    as_of: datetime,
) -> Arrivals:
    """The first arrival of each unit's own values (of ``kinds``) of each indicator, in the
    periods given, by ``as_of``; and the units with an estimate made for them (a method)."""
    out = Arrivals()
    if not units:
        return out
    wanted = {str(k) for k in kinds}
    params = {"periods": list(periods), "indicators": list(indicators), "units": list(units),
              "kinds": sorted(wanted | {str(Kind.ESTIMATE)}), "as_of": as_of}  # fmt: skip
    for unit, ind, own, first, kind in conn.execute(_FIRST, params):
        if not own:
            out.estimated.add(unit)
        elif kind in wanted:
            prev = out.own.setdefault(unit, {}).get(ind)
            out.own[unit][ind] = min(first, prev) if prev else first
    return out
