"""Web benchmark: 100 concurrent clients saving report forms over loopback.

Two clients share each form (the same department saving from two browsers), so saves collide
on purpose. Every client loops: read the form (GET, version), save new values with that
version (PUT). A save either succeeds (200) or gets 409 Conflict because the other client saved
first; anything else is an error. Afterwards the store is checked for lost updates: every
acknowledged save must be one vintage in the value's history, in the order of the versions the
server handed out, no two acknowledged saves may have been based on the same version, and the
current value must be the last acknowledged one.

    .venv/bin/python bench/bench_web.py                 # SQLite file, 100 clients
    .venv/bin/python bench/bench_web.py --db postgresql://postgres@127.0.0.1/test --json

Target (issue 4): p95 of a save ≤ 100 ms, 0 errors, 0 lost updates.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FORMS = [("TTTT-6T", "2026S1"), ("TTTT-N", "2025")]
INDICATOR = "ICT_REVENUE"
P95_LIMIT_MS = 100.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def setup(url: str, clients: int) -> list[dict[str, str]]:
    """Reporter accounts (one per form's unit) with two tokens each: the clients."""
    from chitieu.store.values import Store
    from chitieu.web.accounts import Accounts
    from chitieu.web.forms import forms

    store = Store(url)
    accounts = Accounts(store.engine)
    targets = []
    for code, period in FORMS:
        f = forms()[code]
        p = f.period(period)
        targets += [(code, unit, period) for unit in f.units_for(p)]
    out = []
    for i in range(clients // 2):
        code, unit, period = targets[i % len(targets)]
        name = f"bench{i:03d}"
        accounts.add(name, "bench-password", "reporter", units=[unit])
        for side in (0, 1):
            out.append(
                {
                    "token": accounts.add_token(name, f"client {side}"),
                    "form": code,
                    "unit": unit,
                    "period": period,
                    "id": f"{i}.{side}",
                }
            )
    store.engine.dispose()
    return out


async def client(
    base: str,
    c: dict[str, str],
    rounds: int,
    think: float,
    log: list[dict],  # type: ignore[type-arg]
) -> None:
    """One client: read, save, think, repeat."""
    import random

    import httpx

    rng = random.Random(c["id"])
    await asyncio.sleep(rng.uniform(0, think))

    path = f"/api/v1/submissions/{c['form']}/{c['unit']}/{c['period']}"
    headers = {"Authorization": f"Bearer {c['token']}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
        for n in range(rounds):
            t0 = time.perf_counter()
            try:
                got = await http.get(path)
            except httpx.HTTPError as exc:
                log.append({"kind": "get", "status": 0, "ms": 0.0, "error": repr(exc)})
                continue
            t1 = time.perf_counter()
            if got.status_code != 200:
                log.append({"kind": "get", "status": got.status_code, "ms": (t1 - t0) * 1e3})
                continue
            version = got.json()["submission"]["version"]
            value = int(c["id"].replace(".", "")) * 1000 + n + 1  # unique per client and round
            body = {"values": {INDICATOR: value}, "version": version}
            t2 = time.perf_counter()
            try:
                put = await http.put(path, json=body)
            except httpx.HTTPError as exc:
                log.append(
                    {"kind": "save", "status": 0, "ms": 0.0, "get_ms": 0.0, "error": repr(exc)}
                )
                continue
            t3 = time.perf_counter()
            rec = {
                "kind": "save",
                "status": put.status_code,
                "ms": (t3 - t2) * 1e3,
                "get_ms": (t1 - t0) * 1e3,
                "key": path,
                "value": value,
                "based_on": version,
            }
            if put.status_code == 200:
                rec["new_version"] = put.json()["submission"]["version"]
            log.append(rec)
            await asyncio.sleep(rng.uniform(0, 2 * think))


def lost_updates(url: str, log: list[dict]) -> dict[str, int]:  # type: ignore[type-arg]
    """Check the store against the acknowledged saves."""
    from chitieu.store.values import Store

    store = Store(url)
    acked: dict[str, list[dict]] = {}  # type: ignore[type-arg]
    for r in log:
        if r["kind"] == "save" and r["status"] == 200:
            acked.setdefault(r["key"], []).append(r)
    lost = same_base = order = 0
    for key, saves in acked.items():
        _, _, _, _, _form, unit, period = key.split("/")
        saves.sort(key=lambda r: int(r["new_version"].split(".")[0]))
        history = [o.value for o in store.history(INDICATOR, unit, period, kind=None)]
        if history[-len(saves) :] != [r["value"] for r in saves]:
            order += 1
        bases = [r["based_on"] for r in saves]
        same_base += len(bases) - len(set(bases))
        lost += len(saves) - sum(1 for r in saves if r["value"] in history)
        current = store.current([period], indicators=[INDICATOR], units=[unit])
        if not current or current[-1].value != saves[-1]["value"]:
            lost += 1
    store.engine.dispose()
    return {"lost": lost, "acked_on_same_version": same_base, "out_of_order": order}


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q / 100 * len(s)) - 1))] if s else 0.0


async def drive(
    base: str, clients: list[dict[str, str]], rounds: int, think: float
) -> tuple[list[dict], float]:  # type: ignore[type-arg]
    log: list[dict] = []  # type: ignore[type-arg]
    t0 = time.perf_counter()
    await asyncio.gather(*(client(base, c, rounds, think, log) for c in clients))
    return log, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", help="store URL (default: a fresh SQLite file)")
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=20, help="saves per client")
    ap.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean pause of a client between saves, s (0: back to back)",
    )
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--workers", type=int, default=1, help="server worker processes")
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = args.db or f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    if args.db and args.db.startswith("postgresql"):
        from sqlalchemy import create_engine, text

        schema = f"bench_{os.getpid()}"
        eng = create_engine(
            args.db.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
        )
        with eng.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{args.db}{'&' if '?' in args.db else '?'}options=-csearch_path%3D{schema}"
    clients = setup(url, args.clients)
    port = _free_port()
    env = {**os.environ, "CHITIEU_DB": url}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "chitieu.web.app:app_from_env",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
            "--no-access-log",
            "--timeout-keep-alive",
            "30",
        ],
        env=env,
    )
    try:
        import httpx

        for _ in range(200):
            try:
                httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        log, elapsed = asyncio.run(
            drive(f"http://127.0.0.1:{port}", clients, args.rounds, args.think)
        )
    finally:
        server.terminate()
        server.wait(10)
    saves = [r for r in log if r["kind"] == "save"]
    ok = [r for r in saves if r["status"] == 200]
    conflicts = [r for r in saves if r["status"] == 409]
    errors = [r for r in log if r["status"] not in (200, 409)]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    check = lost_updates(url, log)
    save_ms = [r["ms"] for r in saves]
    get_ms = [r["get_ms"] for r in saves]
    result = {
        "backend": url.split(":")[0],
        "clients": args.clients,
        "rounds": args.rounds,
        "requests": len(log) * 2,
        "seconds": round(elapsed, 2),
        "saves": len(saves),
        "saved": len(ok),
        "conflicts": len(conflicts),
        "errors": len(errors),
        **check,
        "save_ms": {
            "p50": round(statistics.median(save_ms), 1),
            "p95": round(pct(save_ms, 95), 1),
            "p99": round(pct(save_ms, 99), 1),
            "max": round(max(save_ms), 1),
        },
        "get_ms": {"p50": round(statistics.median(get_ms), 1), "p95": round(pct(get_ms, 95), 1)},
        "saves_per_s": round(len(saves) / elapsed, 1),
        "error_samples": [{k: r.get(k) for k in ("kind", "status", "error")} for r in errors[:3]],
        "target": {"p95_ms": P95_LIMIT_MS, "errors": 0, "lost": 0},
    }
    result["load_average_after"] = load
    result["pass"] = (
        result["save_ms"]["p95"] <= P95_LIMIT_MS
        and not errors
        and check["lost"] == 0
        and check["acked_on_same_version"] == 0
        and check["out_of_order"] == 0
    )
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for k, v in result.items():
            print(f"{k:>22}: {v}")
    return 0 if result["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
