"""Dashboard benchmark: ``GET /dashboard?period=2023S1`` on the 10M-value store of bench_core.

Run: ``.venv/bin/python -m bench.bench_dashboard [--pg URL] [--rounds 7] [--quick]``. It serves
the store of ``bench/bench_core.py`` (generated there if missing, the same 400 indicators)
with ``uvicorn`` in its own process, and in every round writes one value through the API
(``POST /api/v1/values``: a 2023 month of one province), then times the dashboard twice: right
after the write (the period's facts must be computed again from the analytics tables) and once
more with nothing written (the facts kept under the store's data version). Targets (issue
"One door in, one door out"): after a write ≤ 1 s, repeated ≤ 0.2 s, on SQLite and
PostgreSQL. Updates the section "Dashboard (bench/bench_dashboard.py)" of docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path
from typing import Any

from bench import stores
from bench.perfdoc import load_average, machine, seconds, update_section

ROOT = Path(__file__).resolve().parent.parent
HEADING = "## Dashboard (bench/bench_dashboard.py)"
PERIOD = "2023S1"
LIMITS = {"after_write": 1.0, "repeated": 0.2}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _request(port: int, path: str, token: str, body: Any = None) -> tuple[int, float, bytes]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method="POST" if body else "GET")
    req.add_header("Authorization", f"Bearer {token}")
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        req.add_header("Content-Type", "application/json")
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(req, payload, timeout=120) as r:
            out = r.status, r.read()
    except urllib.error.HTTPError as exc:
        out = exc.code, exc.read()
    return out[0], time.perf_counter() - t, out[1]


def _serve(url: str, port: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "uvicorn", "chitieu.web.app:app_from_env", "--factory",
           "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
           "--log-level", "warning", "--no-access-log"]  # fmt: skip
    server = subprocess.Popen(cmd, env={**os.environ, "CHITIEU_DB": url})
    for _ in range(600):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/openapi.json", timeout=2):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the server did not start")


def run_backend(name: str, url: str, args: argparse.Namespace, inds: list[Any],
                years: list[int]) -> dict[str, Any]:  # fmt: skip
    """Prepare the store, start the server, time the dashboard after writes and repeated."""
    from chitieu.web.accounts import Accounts

    store, rows, _ = stores.prepare_store(name, url, args, inds, years)
    accounts = Accounts(store)
    if accounts.by_username("bench-analyst") is None:
        accounts.add("bench-analyst", "bench-password", "analyst")
    token = accounts.add_token("bench-analyst", "dashboard benchmark")
    store.engine.dispose()
    port = _free_port()
    server = _serve(url, port)
    path = f"/dashboard?period={PERIOD}"
    rng = random.Random(5)
    out: dict[str, Any] = {"store_rows": rows, "after_write": [], "repeated": [], "write": []}
    try:
        status, first, _ = _request(port, path, token)  # the server's first page: warm-up
        assert status == 200, status
        out["first"] = first
        for _ in range(args.rounds):
            row = {"indicator": inds[0].code, "unit": "01@63", "period": "202303",
                   "kind": "actual", "value": round(rng.uniform(10, 100_000), 1)}  # fmt: skip
            status, took, body = _request(port, "/api/v1/values", token, {"values": [row]})
            assert status == 200, body[:500]
            out["write"].append(took)
            for key in ("after_write", "repeated"):
                status, took, body = _request(port, path, token)
                assert status == 200 and b"<html" in body[:200].lower(), body[:300]
                out[key].append(took)
    finally:
        server.terminate()
        server.wait(20)
    return out


def verdicts(r: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(target, measured median, PASS/MISS)."""
    out = []
    for key, limit in LIMITS.items():
        med = statistics.median(r[key])
        label = {"after_write": "right after a write", "repeated": "repeated, nothing written"}
        out.append((f"{label[key]} ≤ {seconds(limit)}", seconds(med),
                    "PASS" if med <= limit else "MISS"))  # fmt: skip
    return out


def report(info: dict[str, Any], results: dict[str, dict[str, Any]]) -> str:
    """Markdown for PERFORMANCE.md (also printed)."""
    lines = [
        f"Latest run: {info['date']}, `{info['command']}`; load average before / after: "
        f"{info['load_before']} / {info['load_after']}.",
        "",
        f"Machine: {info['machine']['cpu']}; {info['machine']['os']}; Python "
        f"{info['machine']['python']}, SQLite {info['machine']['sqlite']}.",
        "",
        f"Store: the core benchmark's ({info['indicators']} indicators, years "
        f"{info['years'][0]}–{info['years'][-1]}); server: uvicorn, 1 worker; each round "
        f"writes one value through `POST /api/v1/values`, then `GET /dashboard?period={PERIOD}` "
        "twice.",
        "",
        "| backend | store rows | step | median | runs |",
        "|---|---|---|---|---|",
    ]
    for backend, r in results.items():
        for key, label in (("write", "the write (API)"), ("after_write", "dashboard after it"),
                           ("repeated", "dashboard again")):  # fmt: skip
            runs = ", ".join(f"{t:.3f}" for t in r[key])
            lines.append(f"| {backend} | {r['store_rows']:,} | {label} | "
                         f"{seconds(statistics.median(r[key]))} | {runs} |")  # fmt: skip
    lines += ["", "| backend | target | measured (median) | verdict |", "|---|---|---|---|"]
    for backend, r in results.items():
        lines += [f"| {backend} | {t} | {m} | {v} |" for t, m, v in verdicts(r)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run on SQLite (and PostgreSQL with --pg); print; update PERFORMANCE.md."""
    ap = argparse.ArgumentParser(prog="python -m bench.bench_dashboard", description=__doc__)
    ap.add_argument("--pg", help="also run on this PostgreSQL URL (schema bench_core)")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--values", type=int, default=10_000_000)
    ap.add_argument("--indicators", type=int, default=400)
    ap.add_argument("--quick", action="store_true", help="a small store, for a smoke run")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/chitieu-bench-core"))
    ap.add_argument("--doc", type=Path, default=ROOT / "docs" / "PERFORMANCE.md")
    ap.add_argument("--no-doc", action="store_true")
    args = ap.parse_args(argv)
    if args.quick:
        args.values, args.indicators, args.rounds, args.no_doc = 5_000, 4, 2, True
    setup = stores.synthetic(args.workdir, args.values, args.indicators)
    inds, years = setup.indicators, setup.years
    info: dict[str, Any] = {
        "date": date.today().isoformat(),
        "command": "python -m bench.bench_dashboard " + " ".join(argv or sys.argv[1:]),
        "machine": machine(),
        "indicators": args.indicators,
        "years": years,
        "load_before": load_average(),
    }
    results = {}
    for name, url in stores.backends(args):
        print(f"[{name}] dashboard ×{args.rounds} …", flush=True)
        results[name] = run_backend(name, url, args, inds, years)
    info["load_after"] = load_average()
    text = report(info, results)
    print(text)
    if not args.no_doc:
        update_section(args.doc, HEADING, text)
        print(f"updated {args.doc}")
    return 0 if all(v == "PASS" for r in results.values() for _, _, v in verdicts(r)) else 1


if __name__ == "__main__":
    raise SystemExit(main())
