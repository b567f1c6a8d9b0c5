"""Benchmark of the core (issues 2, 10): import 1M values and one period's summary, 10M store.

Run: ``.venv/bin/python -m bench.bench_core [--values 10000000] [--import-rows 1000000]
[--repeat 3] [--pg URL] [--pg-schema S] [--only core|asof] [--quick]``. It prints medians and
ratios against the targets and updates the sections "Core: import and summary (issues 2 and
10)" and "Core: as-of reads (issue 17)" (``bench/core_asof.py``) of docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from bench import core_asof as bench_asof
from bench import core_data as data
from bench import core_peers as peers
from bench.perfdoc import load_average, machine, seconds, timed, update_section
from bench.stores import pg_schema_url, prepare_store
from bench.stores import vacuum as _vacuum

ROOT = Path(__file__).resolve().parent.parent
HEADING = "## Core: import and summary (issues 2 and 10)"
NOTES = Path(__file__).with_name("core_notes.md")
#: (name, ratio, comparison, target) — the targets of the issue "One door in, one door out"
#: (import within 1.5× the bare insert and so at least 2.5× faster than frictionless, which
#: writes nothing; the summary within 2× one DuckDB query and 5× faster than pandas)
TARGETS = [
    ("import ÷ bare insert", "import/bare", "<=", 1.5),
    ("frictionless ÷ import", "frictionless/import", ">=", 2.5),
    ("summary ÷ DuckDB aggregate", "summary/duckdb", "<=", 2.0),
    ("pandas ÷ summary", "pandas/summary", ">=", 5.0),
]


def parse(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    ap = argparse.ArgumentParser(prog="python -m bench.bench_core", description=__doc__)
    ap.add_argument("--values", type=int, default=10_000_000, help="values in the store")
    ap.add_argument("--import-rows", type=int, default=1_000_000, help="rows of the CSV")
    ap.add_argument("--indicators", type=int, default=400, help="synthetic indicators")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per step (median)")
    ap.add_argument("--pg", help="also run on this PostgreSQL URL (schema bench_core)")
    ap.add_argument("--pg-schema", default="bench_core", help="the PostgreSQL schema to use")
    ap.add_argument(
        "--only",
        choices=["core", "asof"],
        help="only the import and summary (core), or only the as-of reads (asof; issue 17)",
    )
    ap.add_argument("--quick", action="store_true", help="tiny sizes for a smoke run")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/chitieu-bench-core"))
    ap.add_argument("--doc", type=Path, help="PERFORMANCE.md to update (default: docs/…)")
    ap.add_argument("--no-doc", action="store_true", help="do not write PERFORMANCE.md")
    args = ap.parse_args(argv)
    if args.quick:
        args.values, args.import_rows, args.indicators, args.repeat = 5_000, 2_000, 4, 1
        args.no_doc = args.no_doc or args.doc is None
    args.doc = args.doc or ROOT / "docs" / "PERFORMANCE.md"
    return args


def measure_import(store: Any, csv_path: Path, rows: int, repeat: int) -> dict[str, Any]:
    """chitieu's import vs the bare insert, interleaved; the store is reset after each run."""
    from chitieu.collect.importer import import_file
    from chitieu.store.schema import batch, observation

    with store.engine.connect() as conn:
        top = conn.execute(select(func.max(observation.c.id))).scalar() or 0
        top_batch = conn.execute(select(func.max(batch.c.id))).scalar() or 0

    # the import also rewrites the current-value and cube slabs it touches and folds the
    # pending values: kept aside here and put back after each run, with the vintages it
    # added deleted
    tables = ("current_slab", "cube_slab", "pending_value")
    with store.engine.begin() as conn:
        for table in tables:
            conn.execute(text(f"DROP TABLE IF EXISTS bench_{table}"))
            conn.execute(text(f"CREATE TABLE bench_{table} AS SELECT * FROM {table}"))

    def reset() -> None:
        with store.engine.begin() as conn:
            conn.execute(observation.delete().where(observation.c.id > top))
            conn.execute(batch.delete().where(batch.c.id > top_batch))
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))
                conn.execute(text(f"INSERT INTO {table} SELECT * FROM bench_{table}"))
        if store.engine.dialect.name == "postgresql":
            _vacuum(store)

    def ours() -> None:
        res = import_file(csv_path, store, created_by="bench")
        # a value that happens to equal the stored one is ignored (store/unchanged.py)
        if not res.report.valid or res.written + res.ignored != rows:
            raise AssertionError(res.report.to_json()[:2000])

    def bare() -> None:
        if peers.bare_insert(store, csv_path) != rows:
            raise AssertionError("bare insert lost rows")

    out: dict[str, list[float]] = {"import": [], "bare": []}
    for _ in range(repeat):
        for key, fn in (("import", ours), ("bare", bare)):
            out[key].append(timed(fn, 1, reset)[0])
    return out


def measure_summary(store: Any, inds: list[Any], repeat: int) -> dict[str, Any]:
    """chitieu's facts vs pandas vs one DuckDB query (after one untimed warm-up each).

    The facts are computed every run: the process's cache of fact sets is cleared first.
    """
    from chitieu.analyze.facts import clear_cache, facts, load
    from chitieu.catalog.periods import parse_period
    from chitieu.catalog.units import registry

    p = parse_period(data.SUMMARY_PERIOD)
    xw = peers.crosswalk(registry())
    runs = {
        "summary": lambda: (clear_cache(), list(facts(store, p)))[1],
        "pandas": lambda: peers.pandas_summary(store.engine, p, inds, xw),
    }
    out: dict[str, Any] = {}
    results: dict[str, Any] = {}
    for key, fn in runs.items():
        fn()
        _, out[key], results[key] = timed(fn, repeat)
    con = peers.duckdb_load(store.engine, p, inds, xw)
    peers.duckdb_summary(con, p)
    _, out["duckdb"], results["duckdb"] = timed(lambda: peers.duckdb_summary(con, p), repeat)
    out["rows_read"] = int(con.execute("SELECT count(*) FROM obs").fetchone()[0])
    clear_cache()
    fl = load(store, [p])
    fl.facts(p)
    out["cells_read"] = fl.cells_read
    out["facts"] = len([f for f in results["summary"] if f.indicator.startswith("BENCH_")])
    out["agree"] = check_agreement(results)
    return out


def _close(a: Any, b: Any) -> bool:
    a = None if a is None or (isinstance(a, float) and math.isnan(a)) else float(a)
    b = None if b is None or (isinstance(b, float) and math.isnan(b)) else float(b)
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def check_agreement(results: dict[str, Any]) -> str:
    """Compare value, last year, plan and rank of every fact; raise on any difference."""
    ours = {
        (f.indicator, f.unit): (f.value, f.previous, f.plan, f.rank)
        for f in results["summary"]
        if f.indicator.startswith("BENCH_")
    }
    pdf = results["pandas"]
    pan = {
        (r.indicator, r.unit): (r.value, r.previous, r.plan, r.rank)
        for r in pdf.itertuples(index=False)
    }
    duck = {(r[0], r[1]): (r[2], r[3], r[4], r[8]) for r in results["duckdb"]}
    for name, other in (("pandas", pan), ("DuckDB", duck)):
        if set(other) != set(ours):
            diff = sorted(set(other) ^ set(ours))[:5]
            raise AssertionError(f"{name} and chitieu give different fact keys, e.g. {diff}")
        for k, v in ours.items():
            if not all(_close(a, b) for a, b in zip(v, other[k], strict=True)):
                raise AssertionError(f"{name} differs at {k}: chitieu {v}, {name} {other[k]}")
    return f"all {len(ours)} facts agree (value, last year, plan, rank)"


def ratios(r: dict[str, Any]) -> dict[str, float]:
    """The ratios the targets are stated in."""
    med = {k: sorted(v)[len(v) // 2] for k, v in r.items() if isinstance(v, list) and v}
    out = {}
    if "import" in med:
        out["import/bare"] = med["import"] / med["bare"]
        if "frictionless" in med:
            out["frictionless/import"] = med["frictionless"] / med["import"]
    out["summary/duckdb"] = med["summary"] / med["duckdb"]
    out["pandas/summary"] = med["pandas"] / med["summary"]
    return out


def verdicts(name: str, r: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(target, measured, PASS/MISS) rows; the ratio targets hold for the embedded default."""
    got = ratios(r)
    out = []
    for label, key, op, target in TARGETS:
        if key not in got:
            continue
        ok = got[key] <= target if op == "<=" else got[key] >= target
        scope = "" if name == "sqlite" else " (stated for SQLite)"
        out.append((f"{label} {op} {target:g}{scope}", f"{got[key]:.2f}", "PASS" if ok else "MISS"))
    if name == "postgresql":
        med = sorted(r["summary"])[len(r["summary"]) // 2]
        out.append(("summary <= 1 s", seconds(med), "PASS" if med <= 1 else "MISS"))
    return out


def report(info: dict[str, Any], results: dict[str, dict[str, Any]]) -> str:
    """Markdown for PERFORMANCE.md (also printed)."""
    lines = [
        f"Latest run: {info['date']}, `{info['command']}`.",
        "",
        f"Load: {info['started']}–{info['ended']} UTC; load average (1, 5, 15 min) "
        f"{info['load_before']} before, {info['load_after']} after (the shared machine's "
        "other work shows there; every ratio is of steps measured side by side in this run).",
        "",
        f"Machine: {info['machine']['cpu']}; {info['machine']['os']}; Python "
        f"{info['machine']['python']}, SQLite {info['machine']['sqlite']}"
        + (f", PostgreSQL {info['pg_version']}" if info.get("pg_version") else "")
        + f"; {info['machine']['libraries']}.",
        "",
        f"Data: {info['indicators']} synthetic indicators, years {info['years'][0]}–"
        f"{info['years'][-1]}, monthly values for the nation (¼ of the indicators) and every "
        f"province valid that month (63 until 2025-06, 34 after), annual plans, 2 % revised; "
        f"import file {info['import_rows']:,} rows.",
        "",
        "| backend | store rows | step | median | runs |",
        "|---|---|---|---|---|",
    ]
    names = {
        "import": "chitieu import (read, check, write, commit)",
        "bare": "bare insert (csv + executemany)",
        "frictionless": "frictionless validate",
        "summary": f"chitieu summary {data.SUMMARY_PERIOD} (analyze.facts, uncached)",
        "pandas": "pandas (read + same computation)",
        "duckdb": "DuckDB one aggregate query (in memory)",
    }
    for backend, r in results.items():
        for key, label in names.items():
            if key in r:
                runs = ", ".join(f"{t:.3f}" for t in r[key])
                med = sorted(r[key])[len(r[key]) // 2]
                rows = f"{r['store_rows']:,}"
                lines.append(f"| {backend} | {rows} | {label} | {seconds(med)} | {runs} |")
    lines += ["", "| backend | target | measured | verdict |", "|---|---|---|---|"]
    for backend, r in results.items():
        lines += [f"| {backend} | {t} | {m} | {v} |" for t, m, v in verdicts(backend, r)]
    lines.append("")
    for backend, r in results.items():
        extra = f", store filled in {seconds(r['fill_s'])}" if r.get("fill_s") else ""
        lines.append(
            f"- {backend}: the summary read {r.get('cells_read', 0):,} aggregated cells of the "
            f"analytics layer (the peers read {r['rows_read']:,} stored rows, every vintage of "
            f"the periods it needs) and made {r['facts']:,} facts; {r['agree']}{extra}."
        )
    return "\n".join(lines)


def _clock() -> str:
    return datetime.now(UTC).strftime("%H:%M")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the table; update PERFORMANCE.md."""
    args = parse(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    inds = data.indicators(args.indicators)
    cat = data.write_catalog(args.workdir / f"catalog-{args.indicators}.yaml", inds)
    os.environ["CHITIEU_CATALOG"] = str(cat)
    from chitieu.catalog.indicators import catalog
    from chitieu.catalog.units import registry

    catalog.cache_clear()
    reg = registry()
    years = data.years_for(reg, inds, args.values)
    csv_path = args.workdir / f"import-{args.indicators}-{args.import_rows}.csv"
    if not csv_path.exists():
        data.write_import_csv(csv_path, reg, inds, years, args.import_rows)
    backends = [("sqlite", f"sqlite:///{args.workdir / f'core-{args.values}.db'}")]
    if args.pg:
        backends.append(("postgresql", pg_schema_url(args.pg, args.pg_schema)))
    results: dict[str, dict[str, Any]] = {}
    info: dict[str, Any] = {
        "date": date.today().isoformat(),
        "started": _clock(),
        "load_before": load_average(),
        "command": "python -m bench.bench_core " + " ".join(argv or sys.argv[1:]),
        "machine": machine(),
        "indicators": args.indicators,
        "years": years,
        "import_rows": args.import_rows,
    }
    codes = [i.code for i in inds]
    for name, url in backends:
        print(f"[{name}] preparing the store …", flush=True)
        store, rows, fill_s = prepare_store(name, url, args, inds, years)
        if name == "postgresql":
            with store.engine.connect() as conn:
                info["pg_version"] = conn.execute(text("SHOW server_version")).scalar()
        r: dict[str, Any] = {"store_rows": rows, "fill_s": fill_s}
        if args.only != "asof":
            print(f"[{name}] {rows:,} values; import ×{args.repeat} …", flush=True)
            r.update(measure_import(store, csv_path, args.import_rows, args.repeat))
            if name == "sqlite":
                print("[frictionless] validate …", flush=True)
                r["frictionless"] = timed(
                    lambda: peers.frictionless_validate(csv_path, codes), args.repeat
                )[1]
            print(f"[{name}] summary ×{args.repeat} …", flush=True)
            r.update(measure_summary(store, inds, args.repeat))
        if args.only != "core":
            print(f"[{name}] as-of reads ×{args.repeat} …", flush=True)
            r["asof"] = bench_asof.measure(store, inds, args.repeat)
        results[name] = r
        store.engine.dispose()
    info["ended"], info["load_after"] = _clock(), load_average()
    if args.only != "asof":
        text_ = report(info, results)
        print(text_)
        if not args.no_doc:
            notes = NOTES.read_text(encoding="utf-8") if NOTES.exists() else ""
            update_section(args.doc, HEADING, text_ + "\n\n" + notes)
            print(f"updated {args.doc}")
    if args.only != "core":
        text_ = bench_asof.report(info, results)
        print(text_)
        if not args.no_doc:
            notes = bench_asof.NOTES.read_text(encoding="utf-8")
            update_section(args.doc, bench_asof.HEADING, text_ + "\n\n" + notes)
            print(f"updated {args.doc}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
