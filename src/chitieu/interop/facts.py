"""The fact table of a period as an Arrow table: what the report's figures come from, for
analysts (``chitieu export --what facts``), with each figure's coverage."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pyarrow as pa

from chitieu.store.exchange import Selection

SCHEMA = pa.schema(
    [
        ("indicator", pa.string()),
        ("unit", pa.string()),
        ("period", pa.string()),
        ("value", pa.float64()),
        ("kind", pa.string()),
        ("status", pa.string()),
        ("previous", pa.float64()),
        ("previous_period", pa.string()),
        ("change_pct", pa.float64()),
        ("plan", pa.float64()),
        ("plan_pct", pa.float64()),
        ("share_pct", pa.float64()),
        ("rank", pa.int64()),
        ("rank_of", pa.int64()),
        ("boundaries", pa.string()),
        ("measure", pa.string()),
        ("units_reporting", pa.int64()),
        ("units_expected", pa.int64()),
        ("estimates_used", pa.int64()),
        ("withheld", pa.string()),
    ]
)


def coverage(fact: Any) -> dict[str, Any]:
    """The coverage of a fact (``analyze.coverage.Coverage``: units reporting their own
    figures, units expected, units the ministry estimated) and what the coverage rules
    withhold (``field:reason`` joined by ``;``): the one adapter of this module."""
    cov = getattr(fact, "coverage", None)
    withheld = getattr(fact, "withheld", None) or {}
    return {
        "units_reporting": getattr(cov, "reported", None),
        "units_expected": getattr(cov, "expected", None),
        "estimates_used": getattr(cov, "estimated", None),
        "withheld": "; ".join(f"{k}:{v}" for k, v in sorted(withheld.items())) or None,
    }


def fact_tables(
    store: Any, sel: Selection, as_of: datetime | None, boundaries: str
) -> tuple[Iterator[pa.Table], pa.Schema]:
    """One table per period of ``sel`` (its facts; of its indicators and units if given)."""
    from chitieu.analyze.facts import facts

    def gen() -> Iterator[pa.Table]:
        for period in sel.periods or ():
            got = facts(store, period, boundaries, as_of)
            rows = []
            for f in got:
                if sel.indicators is not None and f.indicator not in sel.indicators:
                    continue
                if sel.units is not None and f.unit not in sel.units:
                    continue
                d = {k: getattr(f, k, None) for k in SCHEMA.names[:16]}
                d.update(coverage(f))
                rows.append(d)
            yield pa.Table.from_pylist(rows, schema=SCHEMA)

    return gen(), SCHEMA
