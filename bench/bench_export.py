"""Benchmark of the analysts' export (issue 21): the current observations of the 10M-value
store of ``bench/bench_core.py`` to Parquet, chitieu vs the way an analyst would do it without
chitieu (pandas ``read_sql`` of the same rows + ``to_parquet``).

Run: ``.venv/bin/python -m bench.bench_export [--values 10000000] [--repeat 5] [--pg URL]
[--quick]``. Both are timed on the same store, alternating, ``--repeat`` runs each (median);
the two files are then read back with DuckDB and pandas and compared row by row. Updates the
section "Export to Parquet (issue 21)" of docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from bench import stores
from bench.perfdoc import load_average, machine, seconds, update_section

HEADING = "## Export to Parquet (issue 21)"
TARGET = 3.0
#: the analyst's query: the newest vintage of every key, deletions left out, the columns of
#: chitieu's export (who and when from the vintage itself)
PANDAS_SQL = (
    "SELECT o.indicator, o.unit, o.period, o.kind, o.value, o.status, o.method, o.comment, "
    "o.batch_id AS batch, o.created_at, o.created_by, o.source FROM observation o "
    "JOIN (SELECT max(id) AS id FROM observation GROUP BY period, indicator, unit, kind) l "
    "ON o.id = l.id WHERE o.value IS NOT NULL"
)
KEY = ["indicator", "unit", "period", "kind"]
COMPARED = [*KEY, "value", "status", "batch", "created_by", "source", "comment"]


def parse(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    ap = argparse.ArgumentParser(prog="python -m bench.bench_export", description=__doc__)
    ap.add_argument("--values", type=int, default=10_000_000, help="values in the store")
    ap.add_argument("--indicators", type=int, default=400, help="synthetic indicators")
    ap.add_argument("--repeat", type=int, default=5, help="alternating runs of each (median)")
    ap.add_argument("--pg", help="also run on this PostgreSQL URL (schema bench_core)")
    ap.add_argument("--pg-schema", default="bench_core", help="schema of the PostgreSQL store")
    ap.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    ap.add_argument("--quick", action="store_true", help="tiny sizes for a smoke run")
    ap.add_argument("--no-warmup", action="store_true", help="no untimed first run of each")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/chitieu-bench-core"))
    ap.add_argument("--outdir", type=Path, help="where the Parquet files go (default: workdir)")
    ap.add_argument("--doc", type=Path, help="PERFORMANCE.md to update (default: docs/…)")
    ap.add_argument("--no-doc", action="store_true", help="do not write PERFORMANCE.md")
    args = ap.parse_args(argv)
    if args.quick:
        args.values, args.indicators, args.repeat = 5_000, 4, 1
        args.no_doc = args.no_doc or args.doc is None
    args.doc = args.doc or Path(__file__).resolve().parent.parent / "docs" / "PERFORMANCE.md"
    return args


def ours(store: Any, out: Path) -> int:
    """chitieu's export (``chitieu export --format parquet``)."""
    from chitieu.interop.export import ExportRequest, export

    return export(store, ExportRequest("parquet"), out).rows


def pandas_way(store: Any, out: Path) -> int:
    """The analyst's way: pandas ``read_sql`` of the current rows, then ``to_parquet``."""
    import pandas as pd

    frame = pd.read_sql(PANDAS_SQL, store.engine)
    frame.to_parquet(out)
    return len(frame)


def compare(a: Path, b: Path) -> str:
    """Read both files with DuckDB and with pandas; raise unless they hold the same rows."""
    import duckdb
    import pandas as pd

    cols = ", ".join(COMPARED)
    con = duckdb.connect()
    q = f"SELECT {cols} FROM read_parquet('{{}}') EXCEPT ALL "
    q += f"SELECT {cols} FROM read_parquet('{{}}')"
    for x, y in ((a, b), (b, a)):
        left = con.execute(q.format(x, y)).fetchone()
        if left is not None:
            raise AssertionError(f"DuckDB: {x.name} has a row {y.name} lacks: {left}")
    n = con.execute(f"SELECT count(*) FROM read_parquet('{a}')").fetchone()[0]  # type: ignore[index]
    frames = [
        pd.read_parquet(p, columns=COMPARED).sort_values(KEY, ignore_index=True) for p in (a, b)
    ]
    for c in COMPARED:
        left, right = frames[0][c].astype(str), frames[1][c].astype(str)
        if not left.equals(right):
            raise AssertionError(f"pandas: column {c} differs")
    return f"the same {n:,} rows in DuckDB (EXCEPT ALL both ways) and pandas (sorted, by column)"


def measure(store: Any, outdir: Path, repeat: int, warmup: bool = True) -> dict[str, Any]:
    """Alternating runs of chitieu's export and pandas' (after one untimed warm-up each)."""
    a, b = outdir / "chitieu.parquet", outdir / "pandas.parquet"
    runs = {"chitieu": lambda: ours(store, a), "pandas": lambda: pandas_way(store, b)}
    times, last = stores.alternate(runs, repeat, warmup=warmup, flip=True, echo=True)
    out: dict[str, Any] = {**times, "rows_chitieu": last["chitieu"], "rows_pandas": last["pandas"]}
    out["agree"] = compare(a, b)
    out["size"] = {n: p.stat().st_size for n, p in (("chitieu", a), ("pandas", b))}
    return out


def report(info: dict[str, Any], results: dict[str, dict[str, Any]]) -> str:
    """Markdown for PERFORMANCE.md (also printed)."""
    lines = [
        f"Latest run: {info['date']}, `{info['command']}`; load average {info['load_before']} "
        f"before, {info['load_after']} after; {info['machine']['cpu']}, Python "
        f"{info['machine']['python']}.",
        "",
        "Both sides export the current observations (the newest vintage of every key, "
        "deletions left out) with the same columns to a Parquet file, timed from the same "
        "store, alternating; chitieu reads the current-value slabs on columns (NumPy → Arrow, "
        "no Python object per value), pandas runs the query an analyst would write "
        "(newest id per key, joined back) through `read_sql`, then `to_parquet`.",
        "",
        "| backend | store rows | rows exported | chitieu (median) | pandas (median) | "
        "pandas ÷ chitieu | target | runs chitieu | runs pandas |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        mc, mp = stores.median(r["chitieu"]), stores.median(r["pandas"])
        verdict = "PASS" if mp / mc >= TARGET else "MISS"
        runs = [", ".join(f"{t:.2f}" for t in r[k]) for k in ("chitieu", "pandas")]
        lines.append(
            f"| {name} | {r['store_rows']:,} | {r['rows_chitieu']:,} | {seconds(mc)} | "
            f"{seconds(mp)} | {mp / mc:.1f} | ≥ {TARGET:g} {verdict} | {runs[0]} | {runs[1]} |"
        )
    lines.append("")
    for name, r in results.items():
        sizes = ", ".join(f"{k} {v / 1e6:.0f} MB" for k, v in r["size"].items())
        lines.append(f"- {name}: {r['agree']}; files: {sizes}.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the table; update PERFORMANCE.md."""
    args = parse(argv)
    outdir = args.outdir or args.workdir
    outdir.mkdir(parents=True, exist_ok=True)
    setup = stores.synthetic(args.workdir, args.values, args.indicators)
    info = {
        "date": date.today().isoformat(),
        "load_before": load_average(),
        "command": "python -m bench.bench_export " + " ".join(argv or sys.argv[1:]),
        "machine": machine(),
    }
    results: dict[str, dict[str, Any]] = {}
    for name, store, rows, _ in stores.each_store(args, setup):
        print(f"[{name}] {rows:,} values; export ×{args.repeat} each …", flush=True)
        results[name] = {
            "store_rows": rows,
            **measure(store, outdir, args.repeat, not args.no_warmup),
        }
    info["load_after"] = load_average()
    text = report(info, results)
    print(text)
    if not args.no_doc:
        update_section(args.doc, HEADING, text)
        print(f"updated {args.doc}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
