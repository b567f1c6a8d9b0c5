"""``bench_web.py --compare-http N``: the cost of the header limits (issue 15), side by side.

Two servers run at once on one store — uvicorn's own httptools protocol (no limits: what
``chitieu serve`` ran before issue 15) and chitieu's (``web/server.py``) — with the same
options and workers; the clients are split between them by account (both clients of a form on
one side, so that the lost-update check holds per side), the halves swapped every run. Both
sides thus meet the same load of the machine at the same moments: on a shared machine whose
other tenants come and go, runs one after the other differ by more than the 10 % to be shown.
Each side's save p50, p95 and server CPU per request are taken per run; the medians over the
runs, the percentiles of all the runs' saves pooled, and chitieu's ÷ uvicorn's. The target:
every ratio of p50 and p95 at most 1.10.

Every run has a fresh store: a new SQLite file, or a new schema of ``--db``'s PostgreSQL.
``--aa`` runs uvicorn's protocol on both sides: the ratios an A/A run gives are the noise of
the machine, the floor under which no difference can be told.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bench_web import (
    HTTP_CHITIEU,
    Record,
    _free_port,
    _pg_schema,
    _start_server,
    drive,
    pct,
    setup,
    summary,
)
from bench.perfdoc import load_average
from bench.web_load import tree_cpu

HTTP_STOCK = "httptools"
#: the two sides: (label, uvicorn's --http), the base first
SIDES = (("uvicorn_httptools", HTTP_STOCK), ("chitieu", HTTP_CHITIEU))
AA_SIDES = (("uvicorn_httptools", HTTP_STOCK), ("uvicorn_httptools_again", HTTP_STOCK))
RATIO_LIMIT = 1.10


def _both(
    args: argparse.Namespace, run: int, sides: tuple[tuple[str, str], ...]
) -> dict[str, Record]:
    """One run: both servers on one fresh store, half the clients each; a summary per side."""
    tmp = tempfile.TemporaryDirectory()
    url, pg = f"sqlite:///{Path(tmp.name) / 'bench.db'}", None  # a fresh store every run
    if args.db and args.db.startswith("postgres"):
        url, schema, pg = _pg_schema(args.db)
    servers: dict[str, Any] = {}
    try:
        clients = setup(url, args.clients)
        ports = {label: _free_port() for label, _http in sides}
        for label, http in sides:
            extra = [*args.uvicorn.split(), "--http", http]
            servers[label] = _start_server(url, ports[label], args.workers, extra)
        for n, c in enumerate(clients):  # by account (two clients each), swapped every run
            label = sides[(n // 2 + run) % 2][0]
            c["port"], c["side"] = str(ports[label]), label
        cpu0 = {label: tree_cpu(s.pid) for label, s in servers.items()}
        log, elapsed = asyncio.run(drive(0, clients, args.rounds, args.think, args.flow))
        out = {}
        for label, server in servers.items():
            now = tree_cpu(server.pid)
            spent = sum(v - cpu0[label].get(pid, 0.0) for pid, v in now.items())
            side = [r for r in log if r.get("side") == label]
            half = argparse.Namespace(**{**vars(args), "clients": args.clients // 2})
            out[label] = summary(half, url, side, elapsed, {"server": spent, "load_generator": 0})
            saves = [r["ms"] for r in side if r["kind"] == "save" and r["status"] in (200, 409)]
            out[label]["save_ms_all"] = saves
    finally:
        for server in servers.values():
            server.terminate()
            server.wait(10)
        if pg is not None:
            from sqlalchemy import text

            with pg.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            pg.dispose()
        tmp.cleanup()
    return out


METRICS = {
    "save_p50_ms": lambda r: r["save_ms"]["p50"],
    "save_p95_ms": lambda r: r["save_ms"]["p95"],
    "server_cpu_ms_per_request": lambda r: r["server_cpu_ms_per_request"],
}


def _ratio(base: float, other: float) -> float | None:
    return round(other / base, 3) if base else None


def compare_http(args: argparse.Namespace, runs: int, aa: bool = False) -> Record:
    """``runs`` runs of both sides at once; each side's medians, pooled percentiles, ratios."""
    sides = AA_SIDES if aa else SIDES
    (base, _), (other, _) = sides
    got: dict[str, list[Record]] = {label: [] for label, _ in sides}
    t0 = time.time()
    for i in range(runs):
        both = _both(args, i, sides)
        for label, r in both.items():
            got[label].append(r)
        said = (
            f"{label} save p50 {r['save_ms']['p50']} ms, p95 {r['save_ms']['p95']} ms, "
            f"{r['server_cpu_ms_per_request']} ms CPU/request, {r['errors']} errors"
            for label, r in both.items()
        )
        print(f"run {i + 1}: " + "; ".join(said), flush=True, file=sys.stderr)
    out: Record = {
        "runs": runs,
        "sides": [label for label, _ in sides],
        "backend": got[base][0]["backend"],
        "clients_per_side": args.clients // 2,
        "workers_per_side": args.workers,
        "minutes": round((time.time() - t0) / 60, 1),
    }
    for name, pick in METRICS.items():
        b, o = (statistics.median(pick(r) for r in got[s]) for s in (base, other))
        out[name] = {base: round(b, 2), other: round(o, 2), "ratio": _ratio(b, o)}
        out[name]["runs"] = {s: [pick(r) for r in got[s]] for s in (base, other)}
    # every save of every run in one distribution per side: its tail rests on many more saves
    # than one run's p95 does (both sides ran at the same moments, so they mix the same loads)
    pooled = {s: [ms for r in rs for ms in r.pop("save_ms_all")] for s, rs in got.items()}
    for q in (50, 95, 99):
        b, o = (pct(pooled[s], q) for s in (base, other))
        out[f"pooled_save_p{q}_ms"] = {base: round(b, 1), other: round(o, 1), "ratio": _ratio(b, o)}
    out["saves_per_side"] = {s: len(v) for s, v in pooled.items()}
    out["errors"] = sum(r["errors"] for rs in got.values() for r in rs)
    out["lost"] = sum(r["lost"] + r["acked_on_same_version"] for rs in got.values() for r in rs)
    out["target"] = {"ratio_at_most": RATIO_LIMIT, "errors": 0, "lost": 0}
    out["load_average_1_5_15_after"] = load_average()
    ratios = [out[m]["ratio"] for m in ("save_p50_ms", "save_p95_ms")]
    ratios += [out[m]["ratio"] for m in ("pooled_save_p50_ms", "pooled_save_p95_ms")]
    out["pass"] = all(r is not None and r <= RATIO_LIMIT for r in ratios) and not (
        out["errors"] or out["lost"]
    )
    return out
