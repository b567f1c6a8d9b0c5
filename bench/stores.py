"""What the benchmarks on the 10M-value store share: setting up its synthetic catalog, the
backends to run on, the store itself (generated once per work directory and reused while its
marker matches), and the alternating timed runs that compare chitieu with its peers.

``bench_core.py`` (import, summary, as-of reads), ``bench_export.py`` (Parquet) and
``bench_dashboard.py`` read the same store: with the same ``--workdir``, ``--values``,
``--indicators`` and PostgreSQL schema they find the one a previous run made. Use::

    setup = synthetic(args.workdir, args.values, args.indicators)
    for name, store, rows, fill_s in each_store(args, setup):
        times, last = alternate({"chitieu": ours, "pandas": theirs}, args.repeat, flip=True)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bench import core_data as data
from bench.perfdoc import timed

#: tables the generator fills (emptied before a store is generated again)
FILLED = ("observation", "batch", "current_slab", "cube_slab", "pending_value", "slab_since")


@dataclass(frozen=True)
class Synthetic:
    """The synthetic indicators and the years whose values add up to the store's size."""

    indicators: list[data.BenchIndicator]
    years: list[int]


def synthetic(workdir: Path, values: int, indicators: int) -> Synthetic:
    """Write the synthetic catalog into ``workdir``, point ``CHITIEU_CATALOG`` at it (the
    process's catalog is read again) and work out the years of a ``values``-value store."""
    workdir.mkdir(parents=True, exist_ok=True)
    inds = data.indicators(indicators)
    cat = data.write_catalog(workdir / f"catalog-{indicators}.yaml", inds)
    os.environ["CHITIEU_CATALOG"] = str(cat)
    from chitieu.catalog.indicators import catalog
    from chitieu.catalog.units import registry

    catalog.cache_clear()
    return Synthetic(inds, data.years_for(registry(), inds, values))


def pg_schema_url(url: str, schema: str = "bench_core") -> str:
    """``url`` with its search_path set to ``schema`` (created if missing)."""
    from chitieu.store.db import database_url

    url = database_url(url)
    eng = create_engine(url, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    eng.dispose()
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


def backends(args: argparse.Namespace) -> list[tuple[str, str]]:
    """(name, URL) of each backend to run on: SQLite in the work directory (unless
    ``args.no_sqlite``), PostgreSQL at ``args.pg`` in schema ``args.pg_schema`` if given."""
    out = []
    if not getattr(args, "no_sqlite", False):
        out.append(("sqlite", f"sqlite:///{args.workdir / f'core-{args.values}.db'}"))
    if getattr(args, "pg", None):
        out.append(("postgresql", pg_schema_url(args.pg, getattr(args, "pg_schema", "bench_core"))))
    return out


def vacuum(store: Any, analyze: bool = False) -> None:
    """VACUUM (ANALYZE) the observations of a PostgreSQL store."""
    eng = store.engine.execution_options(isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(text("VACUUM ANALYZE observation" if analyze else "VACUUM observation"))


def prepare_store(
    name: str, url: str, args: argparse.Namespace, inds: list[Any], years: list[int]
) -> tuple[Any, int, float | None]:
    """The benchmark store on one backend: the one found there if its marker
    (``store-NAME.json`` in the work directory) matches the size asked for and the rows it
    holds, else emptied and generated again. Returns (store, rows, seconds to fill or None)."""
    from chitieu import open_store
    from chitieu.catalog.units import registry

    marker = args.workdir / f"store-{name}.json"
    params = {"values": args.values, "indicators": args.indicators, "years": years}
    store = open_store(url)
    if marker.exists():
        old = json.loads(marker.read_text())
        if old["params"] == params and store.count() == old["rows"]:
            return store, old["rows"], None
    if (args.workdir / "READ-ONLY").exists():
        raise SystemExit(
            f"{args.workdir} is marked READ-ONLY and its {name} store does not match "
            f"{params} (marker {marker}): it is not generated again; see READ-ONLY"
        )
    with store.engine.begin() as conn:
        for table in FILLED:
            conn.execute(text(f"DELETE FROM {table}"))
    _, times, _ = timed(lambda: data.fill_store(store, registry(), inds, years), 1)
    # what the store holds: a revision that happens to repeat its value is left out
    # (store/unchanged.py), so the values written can be fewer than those generated
    rows = store.count()
    if store.engine.dialect.name == "postgresql":
        vacuum(store, analyze=True)
    marker.write_text(json.dumps({"params": params, "rows": rows, "fill_s": times[0]}))
    return store, rows, times[0]


def each_store(
    args: argparse.Namespace, setup: Synthetic
) -> Iterator[tuple[str, Any, int, float | None]]:
    """(backend, store, rows, fill seconds) for each backend in turn, the store's engine
    disposed of after its turn."""
    for name, url in backends(args):
        print(f"[{name}] preparing the store …", flush=True)
        store, rows, fill_s = prepare_store(name, url, args, setup.indicators, setup.years)
        try:
            yield name, store, rows, fill_s
        finally:
            store.engine.dispose()


def alternate(
    runs: dict[str, Callable[[], Any]],
    repeat: int,
    *,
    warmup: bool = True,
    flip: bool = False,
    echo: bool = False,
) -> tuple[dict[str, list[float]], dict[str, Any]]:
    """``repeat`` rounds of every run in turn (in reverse order every second round if
    ``flip``), after one untimed round if ``warmup``: the shared machine's load falls on each
    alike. Returns each run's wall times and its last result."""
    last: dict[str, Any] = {k: fn() for k, fn in runs.items()} if warmup else {}
    times: dict[str, list[float]] = {k: [] for k in runs}
    order = list(runs.items())
    for i in range(repeat):
        for key, fn in order[::-1] if flip and i % 2 else order:
            t0 = time.perf_counter()
            last[key] = fn()
            times[key].append(time.perf_counter() - t0)
            if echo:
                print(f"  {key}: {times[key][-1]:.2f} s", flush=True)
    return times, last


def median(xs: list[float]) -> float:
    """The middle run (the upper middle of an even count, as the tables have always said)."""
    return sorted(xs)[len(xs) // 2]


def close(a: Any, b: Any) -> bool:
    """Two figures agree: both missing (None or NaN), or equal within 1e-9 relative."""
    a = None if a is None or (isinstance(a, float) and math.isnan(a)) else float(a)
    b = None if b is None or (isinstance(b, float) and math.isnan(b)) else float(b)
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


__all__ = [
    "Synthetic",
    "alternate",
    "backends",
    "close",
    "each_store",
    "median",
    "pg_schema_url",
    "prepare_store",
    "synthetic",
    "vacuum",
]
