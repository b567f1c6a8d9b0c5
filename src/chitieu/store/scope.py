"""What a replacing import reads inside its write's transaction (``collect.ingest``).

An official form file re-imported for the same unit, period and round replaces that form's
values of that round (DHIS2's deletion scope): the keys stored in the scope that the new file
does not give are written as deletions. Which keys are stored is read here, on the write's
connection, under its locks; and the newest vintage of every key a write gives, so that the
import can say which of its values are new, which change a stored one and which delete one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import Connection, bindparam, select

from chitieu.store.rows import Rows
from chitieu.store.schema import observation
from chitieu.store.unchanged import _newest

_c = observation.c
#: every vintage of one unit × period × kind for some indicators, newest of each key last
_SCOPE = (
    select(_c.indicator, _c.value)
    .where(
        _c.period == bindparam("period"),
        _c.indicator.in_(bindparam("indicators", expanding=True)),
        _c.unit == bindparam("unit"),
        _c.kind == bindparam("kind"),
    )
    .order_by(_c.indicator, _c.id)
)


def stored_in(
    conn: Connection, unit: str, period: str, kind: str, indicators: Sequence[str]
) -> dict[str, float]:
    """indicator → current value of the keys of ``indicators`` stored for ``unit``,
    ``period`` and ``kind`` (deleted keys left out)."""
    if not indicators:
        return {}
    got: dict[str, Any] = {}
    params = {"unit": unit, "period": period, "kind": kind, "indicators": list(indicators)}
    for ind, value in conn.execute(_SCOPE, params):
        got[ind] = value  # ids ascend within a key: the newest wins
    return {k: float(v) for k, v in got.items() if v is not None}


def prior(conn: Connection, rows: Rows) -> dict[tuple[str, ...], tuple[Any, ...]]:
    """(period, indicator, unit, kind) → (value, status, comment, method, inputs) of the
    newest vintage of every key ``rows`` give (keys never stored are absent)."""
    if not len(rows):
        return {}
    return _newest(conn, rows, np.arange(len(rows)))
