"""Web benchmark: 100 concurrent clients saving report forms over loopback.

Two clients share each form (the same department saving from two browsers), so saves collide
on purpose. Every client loops: read the form (GET, its version), save a new value with that
version (PUT), pause a random 0…2×``--think`` seconds. A save either succeeds (200) or gets 409
Conflict because the other client saved first; anything else (another status, a dropped
connection, no answer within 30 s) is an error. Afterwards the store is checked for lost
updates: every acknowledged save must be one vintage in the value's history, in the order of
the versions the server handed out, no two acknowledged saves may have been based on the same
version, and the current value must be the last acknowledged one.

``--flow browser`` reads the form once and then saves with the version the previous save
returned, as a browser's form page does after a save; after a 409 it reads the form again
(the page tells the user to reload). The default, ``--flow reread``, reads before every save.

The server runs in its own processes (``uvicorn``, ``--workers``); the load generator is one
asyncio process with one keep-alive HTTP/1.1 connection per client and a minimal client (a
request is a prebuilt byte string, a response its status line, headers and body), so it takes
as little of the shared cores as it can. The CPU seconds both used during the run are printed.

    .venv/bin/python bench/bench_web.py                 # SQLite file, 100 clients
    .venv/bin/python bench/bench_web.py --db postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/bench_web.py --compare-http 5   # the header limits' cost (issue 15)
    .venv/bin/python bench/bench_web.py --protocol-cost    # the same, the protocol alone

The server runs with the HTTP protocol ``chitieu serve`` uses (``web/server.py``: httptools
with the header section's size and time limits). ``--compare-http N`` (``bench/web_compare.py``)
runs two servers at once on one store, uvicorn's own httptools protocol (no limits: the code
before issue 15) and chitieu's, each serving half the clients, N times (the halves swapped
every run), and prints each side's medians and their ratio.

Targets: (issue 4) p95 of a save ≤ 100 ms, 0 errors, 0 lost updates; (issue 15) with the
header limits, the median save p50 and p95 at most 10 % above the stock protocol's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if not __package__:  # run as a file (python bench/bench_web.py), not as bench.bench_web
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.perfdoc import load_average
from bench.web_load import Http, postgres_cpu, tree_cpu

FORMS = [("TTTT-6T", "2026S1"), ("TTTT-N", "2025")]
INDICATOR = "ICT_REVENUE"
P95_LIMIT_MS = 100.0
TIMEOUT_S = 30.0

Record = dict[str, Any]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def setup(url: str, clients: int) -> list[dict[str, str]]:
    """Reporter accounts (one per form's unit) with two tokens each: the clients."""
    from chitieu.catalog.forms import forms
    from chitieu.store.values import Store
    from chitieu.web.accounts import Accounts

    store = Store(url)
    accounts = Accounts(store)
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


async def _timed(
    http: Http, raw: bytes, kind: str, log: list[Record]
) -> tuple[int, bytes, float] | None:
    """One request within the time limit: (status, body, ms); None (logged as an error) if
    the connection failed or no answer came."""
    t = time.perf_counter()
    try:
        async with asyncio.timeout(TIMEOUT_S):
            status, body = await http.request(raw)
    except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
        log.append({"kind": kind, "status": 0, "ms": 0.0, "error": repr(exc)})
        return None
    return status, body, (time.perf_counter() - t) * 1e3


async def client(
    port: int, c: dict[str, str], rounds: int, think: float, flow: str, log: list[Record]
) -> None:
    """One client: (read,) save, think, repeat."""
    rng = random.Random(c["id"])
    await asyncio.sleep(rng.uniform(0, think))
    path = f"/api/v1/submissions/{c['form']}/{c['unit']}/{c['period']}"
    head = f"Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {c['token']}\r\n"
    get = f"GET {path} HTTP/1.1\r\n{head}\r\n".encode()
    put_head = f"PUT {path} HTTP/1.1\r\n{head}Content-Type: application/json\r\n"
    http = Http(port)
    version: str | None = None
    base = int(c["id"].replace(".", "")) * 1000
    for n in range(rounds):
        get_ms = 0.0
        if version is None or flow == "reread":
            got = await _timed(http, get, "get", log)
            if got is None:
                continue
            status, body, get_ms = got
            if status != 200:
                log.append({"kind": "get", "status": status, "ms": get_ms})
                continue
            version = json.loads(body)["submission"]["version"]
        value = base + n + 1  # unique per client and round
        payload = json.dumps({"values": {INDICATOR: value}, "version": version}).encode()
        raw = f"{put_head}Content-Length: {len(payload)}\r\n\r\n".encode() + payload
        saved = await _timed(http, raw, "save", log)
        if saved is None:
            version = None
            continue
        status, body, save_ms = saved
        rec: Record = {
            "kind": "save",
            "status": status,
            "ms": save_ms,
            "get_ms": get_ms if get_ms else None,
            "key": path,
            "value": value,
            "based_on": version,
        }
        if status == 200:
            version = rec["new_version"] = json.loads(body)["submission"]["version"]
        else:
            version = None  # a conflict (or an error): read the form again
        log.append(rec)
        await asyncio.sleep(rng.uniform(0, 2 * think))
    http.close()


def lost_updates(url: str, log: list[Record]) -> dict[str, int]:
    """Check the store against the acknowledged saves."""
    from chitieu.store.values import Store

    store = Store(url)
    acked: dict[str, list[Record]] = {}
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
    port: int, clients: list[dict[str, str]], rounds: int, think: float, flow: str
) -> tuple[list[Record], float]:
    """Run the clients (each on ``port``, or on its own ``"port"``); their records, each with
    the client's ``"side"`` if it has one."""
    logs: list[list[Record]] = [[] for _ in clients]
    t0 = time.perf_counter()
    await asyncio.gather(
        *(
            client(int(c.get("port", port)), c, rounds, think, flow, logs[i])
            for i, c in enumerate(clients)
        )
    )
    elapsed = time.perf_counter() - t0
    log = [
        {**r, "side": c["side"]} if "side" in c else r
        for c, rs in zip(clients, logs, strict=True)
        for r in rs
    ]
    return log, elapsed


def _pg_schema(db: str) -> tuple[str, str, Any]:
    """A fresh schema on the server for this run: (its URL, its name, an admin engine)."""
    from sqlalchemy import create_engine, text

    schema = f"bench_{os.getpid()}"
    eng = create_engine(
        db.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with eng.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{db}{'&' if '?' in db else '?'}options=-csearch_path%3D{schema}"
    return url, schema, eng


#: the HTTP protocol ``chitieu serve`` runs (``web/server.py``)
HTTP_CHITIEU = "chitieu.web.server:HttpProtocol"


def _start_server(url: str, port: int, workers: int, extra: list[str]) -> subprocess.Popen[bytes]:
    http = [] if "--http" in extra else ["--http", HTTP_CHITIEU]  # as `chitieu serve` runs
    cmd = [
        sys.executable, "-m", "uvicorn", "chitieu.web.app:app_from_env", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--log-level", "warning", "--no-access-log", "--timeout-keep-alive", "30", *http,
        *extra,
    ]  # fmt: skip
    server = subprocess.Popen(cmd, env={**os.environ, "CHITIEU_DB": url})
    for _ in range(400):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /openapi.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if s.recv(12).startswith(b"HTTP/1.1 200"):
                    break
        except OSError:
            pass
        time.sleep(0.05)
    # One worker answering is not all of them ready: each client keeps its first connection,
    # so a worker still starting would get none. Wait until the server's processes are idle.
    before = sum(tree_cpu(server.pid).values())
    for _ in range(100):
        time.sleep(0.3)
        now = sum(tree_cpu(server.pid).values())
        procs = len(tree_cpu(server.pid))  # with N > 1 workers, a supervisor and N workers
        if procs >= (workers + 1 if workers > 1 else 1) and now - before < 0.03:
            break
        before = now
    return server


def _http_loop(options: str) -> str:
    """The HTTP parser and event loop uvicorn runs with ("auto" picks the fast ones if present)."""
    from importlib.util import find_spec

    opts = options.split()

    def pick(flag: str, fast: str, default: str) -> str:
        if flag in opts:
            return opts[opts.index(flag) + 1]
        return fast if find_spec(fast) else default

    return f"{pick('--http', HTTP_CHITIEU, 'h11')}/{pick('--loop', 'uvloop', 'asyncio')}"


def summary(
    args: argparse.Namespace, url: str, log: list[Record], elapsed: float, cpu: dict[str, float]
) -> Record:
    saves = [r for r in log if r["kind"] == "save"]
    ok = [r for r in saves if r["status"] == 200]
    conflicts = [r for r in saves if r["status"] == 409]
    errors = [r for r in log if r["status"] not in (200, 409)]
    check = lost_updates(url, log)
    save_ms = [r["ms"] for r in saves if r["status"] in (200, 409)]
    get_ms = [r["get_ms"] for r in saves if r.get("get_ms")]
    requests = len(saves) + len(get_ms) + sum(1 for r in log if r["kind"] == "get")
    cores = os.cpu_count() or 1
    result: Record = {
        "backend": url.split(":")[0],
        "clients": args.clients,
        "rounds": args.rounds,
        "think_s": args.think,
        "flow": args.flow,
        "workers": args.workers,
        "uvicorn_options": args.uvicorn,
        "http_loop": _http_loop(args.uvicorn),
        "cores": cores,
        "requests": requests,
        "seconds": round(elapsed, 2),
        "saves": len(saves),
        "saved": len(ok),
        "conflicts": len(conflicts),
        "errors": len(errors),
        **check,
        "save_ms": {
            "p50": round(statistics.median(save_ms), 1) if save_ms else None,
            "p95": round(pct(save_ms, 95), 1),
            "p99": round(pct(save_ms, 99), 1),
            "max": round(max(save_ms, default=0.0), 1),
        },
        "get_ms": {
            "p50": round(statistics.median(get_ms), 1) if get_ms else None,
            "p95": round(pct(get_ms, 95), 1),
        },
        "saves_per_s": round(len(saves) / elapsed, 1),
        # CPU seconds during the run, and the share of all cores × the run's wall time
        "cpu_s": {k: round(v, 2) for k, v in cpu.items()},
        "cpu_share": {k: round(v / (cores * elapsed), 3) for k, v in cpu.items()},
        "server_cpu_ms_per_request": round(cpu["server"] * 1e3 / max(1, requests), 2),
        "error_samples": [{k: r.get(k) for k in ("kind", "status", "error")} for r in errors[:3]],
        "target": {"p95_ms": P95_LIMIT_MS, "errors": 0, "lost": 0},
        "load_average_1_5_15_after": load_average(),
    }
    result["pass"] = (
        bool(save_ms)
        and result["save_ms"]["p95"] <= P95_LIMIT_MS
        and not errors
        and check["lost"] == 0
        and check["acked_on_same_version"] == 0
        and check["out_of_order"] == 0
    )
    return result


def one_run(args: argparse.Namespace) -> Record:
    """One run of the benchmark on a fresh store: its summary (``args.uvicorn``: the server's)."""
    tmp = tempfile.TemporaryDirectory()
    url = args.db or f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    pg = None
    if args.db and args.db.startswith("postgres"):
        url, schema, pg = _pg_schema(args.db)
    try:
        clients = setup(url, args.clients)
        port = _free_port()
        server = _start_server(url, port, args.workers, args.uvicorn.split())
        try:
            server_cpu0, own_cpu0 = tree_cpu(server.pid), time.process_time()
            db_cpu0 = postgres_cpu() if pg is not None else 0.0
            log, elapsed = asyncio.run(drive(port, clients, args.rounds, args.think, args.flow))
            own_cpu = time.process_time() - own_cpu0
            db_cpu = postgres_cpu() - db_cpu0 if pg is not None else 0.0
            per_process = {
                pid: round(v - server_cpu0.get(pid, 0.0), 2)
                for pid, v in tree_cpu(server.pid).items()
            }
            cpu = {"server": sum(per_process.values()), "load_generator": own_cpu}
            if pg is not None:
                cpu["postgresql"] = db_cpu
        finally:
            server.terminate()
            server.wait(10)
        result = summary(args, url, log, elapsed, cpu)
        result["server_cpu_s_by_process"] = sorted(per_process.values(), reverse=True)
    finally:
        if pg is not None:
            from sqlalchemy import text

            with pg.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            pg.dispose()
        tmp.cleanup()
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--db", help="store URL (default: a fresh SQLite file)")
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=20, help="saves per client")
    ap.add_argument(
        "--think", type=float, default=1.0, help="mean pause of a client between saves, s"
    )
    ap.add_argument("--flow", choices=("reread", "browser"), default="reread")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="server processes")
    ap.add_argument(
        "--uvicorn", default="", help='more uvicorn options, e.g. "--http h11 --loop asyncio"'
    )
    ap.add_argument(
        "--compare-http",
        type=int,
        metavar="PAIRS",
        help="PAIRS runs on uvicorn's httptools protocol and on chitieu's, alternating; "
        "medians and ratios",
    )
    ap.add_argument(
        "--aa",
        action="store_true",
        help="with --compare-http: uvicorn's protocol on both sides (the machine's noise)",
    )
    ap.add_argument(
        "--protocol-cost",
        action="store_true",
        help="only the HTTP protocols' own CPU per request, in this process (web_protocol.py)",
    )
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if args.protocol_cost:
        from bench.web_protocol import protocol_cost

        print(json.dumps(protocol_cost(), indent=2))
        return 0
    if args.compare_http:
        from bench.web_compare import compare_http

        result = compare_http(args, args.compare_http, aa=args.aa)
    else:
        result = one_run(args)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for k, v in result.items():
            print(f"{k:>27}: {v}")
    return 0 if result["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
