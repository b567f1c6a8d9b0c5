"""The conference board's event stream under load (issue 22; figures in docs/PERFORMANCE.md,
"Conference board: event stream (issue 22)").

A real ``chitieu serve`` (one worker process) on a fresh SQLite store; N clients, each a raw
asyncio connection of this one process, hold ``GET /conference/{period}/events`` (an analyst's
bearer token); a value is written through the API every ``--every`` seconds. Counted: each
client's board events (every update must reach every client), the connections that ended
(drops), and for each update the time from the write's request to each client's event (the
write's own commit is inside it). The server's CPU (utime + stime of its process) and memory
(VmRSS) are read from /proc; the load average is recorded.

    .venv/bin/python bench/bench_sse.py --clients 100 --seconds 600 --every 10
    .venv/bin/python bench/bench_sse.py --clients 100 --seconds 60 --every 0   # idle cost
    .venv/bin/python bench/bench_sse.py --clients 1000 --seconds 60 --every 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PERIOD = "2025S2"
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of process ``pid`` (seconds)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mb(pid: int) -> float:
    """The resident memory of ``pid`` (MB)."""
    m = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(m.group(1)) / 1024 if m else 0.0


def prepare(folder: Path) -> tuple[str, str]:
    """A fresh store with an analyst and its token: (store URL, token)."""
    from chitieu.store.values import Store
    from chitieu.web.accounts import Accounts

    url = f"sqlite:///{folder / 'sse.db'}"
    store = Store(url)
    acc = Accounts(store)
    acc.add("analyst", "correct horse battery", "analyst")
    token = acc.add_token("analyst", "bench")
    store.engine.dispose()
    return url, token


def serve(url: str, env: dict[str, str]) -> tuple[subprocess.Popen[str], int]:
    cmd = [sys.executable, "-c", "from chitieu.cli.main import app; app()", "serve", "--db",
           url, "--port", "0"]  # fmt: skip
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stderr is not None
    for line in proc.stderr:
        if m := re.search(r"Uvicorn running on http://127\.0\.0\.1:(\d+)", line):
            return proc, int(m.group(1))
    raise RuntimeError("the server did not start")


class Client:
    """One stream: the versions of its board events, when each came, whether it ended."""

    def __init__(self) -> None:
        self.got: dict[str, float] = {}
        self.ended = False
        self.ready = asyncio.Event()

    async def run(self, port: int, token: str) -> None:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(
                f"GET /conference/{PERIOD}/events HTTP/1.1\r\nHost: bench\r\n"
                f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n".encode()
            )
            await writer.drain()
            while line := await reader.readline():
                if line.startswith(b"id: "):
                    self.got[line[4:].strip().decode()] = time.perf_counter()
                    self.ready.set()
        except OSError:
            pass
        finally:
            self.ended = True
            self.ready.set()


async def write(port: int, token: str, value: float) -> float:
    """One value written through the API; when the request was sent (perf_counter)."""
    one = {"indicator": "ICT_REVENUE", "unit": "01@34", "period": PERIOD, "value": value,
           "kind": "actual"}  # fmt: skip
    body = json.dumps({"values": [one]})
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sent = time.perf_counter()
    writer.write(
        f"POST /api/v1/values HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        f"Connection: close\r\n\r\n{body}".encode()
    )
    await writer.drain()
    head = await reader.readline()
    assert b" 20" in head, head
    await reader.read()
    writer.close()
    return sent


async def run(args: argparse.Namespace) -> dict[str, Any]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, args.clients * 2 + 256)), hard))
    with tempfile.TemporaryDirectory(prefix="chitieu-sse-") as tmp:
        url, token = prepare(Path(tmp))
        env = {"RLIMIT": "", "CHITIEU_SSE_HEARTBEAT_SECONDS": str(args.heartbeat)}
        proc, port = serve(url, env)
        try:
            return await _measure(args, proc.pid, port, token)
        finally:
            proc.terminate()  # open streams hold a graceful shutdown: killed after 10 s
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


async def _measure(args: argparse.Namespace, pid: int, port: int, token: str) -> dict[str, Any]:
    clients = [Client() for _ in range(args.clients)]
    tasks = [asyncio.create_task(c.run(port, token)) for c in clients]
    await asyncio.wait_for(asyncio.gather(*(c.ready.wait() for c in clients)), 300)
    cpu0, t0, rss0 = cpu_seconds(pid), time.perf_counter(), rss_mb(pid)
    sent: dict[str, float] = {}
    updates = 0
    deadline = t0 + args.seconds
    while time.perf_counter() < deadline:
        if args.every > 0:
            before = set(clients[0].got)
            at = await write(port, token, 1000.0 + updates)
            updates += 1
            # the new version: the first a client sees after the write
            while not (new := set(clients[0].got) - before) and not clients[0].ended:
                await asyncio.sleep(0.01)
            sent.update({v: at for v in new})
        pause = min(args.every or args.seconds, deadline - time.perf_counter())
        await asyncio.sleep(max(0.0, pause))
    # every client has every version written (waited on, at most 60 s more)
    versions = set(sent)
    end_wait = time.perf_counter() + 60
    while time.perf_counter() < end_wait and not all(versions <= set(c.got) for c in clients):
        await asyncio.sleep(0.05)
    cpu1, t1, rss1 = cpu_seconds(pid), time.perf_counter(), rss_mb(pid)
    load = os.getloadavg()
    delivered = sum(len(versions & set(c.got)) for c in clients)
    drops = sum(c.ended for c in clients)
    lat = sorted(c.got[v] - sent[v] for c in clients for v in versions if v in c.got)
    for t in tasks:
        t.cancel()
    minutes = (t1 - t0) / 60
    return {
        "clients": args.clients,
        "seconds": round(t1 - t0, 1),
        "updates": len(versions),
        "delivered": delivered,
        "expected": len(versions) * args.clients,
        "drops": drops,
        "p50_ms": round(1000 * statistics.median(lat), 1) if lat else None,
        "p95_ms": round(1000 * lat[int(0.95 * (len(lat) - 1))], 1) if lat else None,
        "max_ms": round(1000 * lat[-1], 1) if lat else None,
        "server_cpu_s": round(cpu1 - cpu0, 2),
        "cpu_ms_per_update": round(1000 * (cpu1 - cpu0) / len(versions), 1) if versions else None,
        "cpu_ms_per_client_minute": round(1000 * (cpu1 - cpu0) / args.clients / minutes, 2),
        "rss_mb_start": round(rss0, 1),
        "rss_mb_end": round(rss1, 1),
        "loadavg": [round(x, 2) for x in load],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--every", type=float, default=10, help="seconds between writes (0: none)")
    ap.add_argument("--heartbeat", type=float, default=15)
    args = ap.parse_args()
    print(json.dumps(asyncio.run(run(args)), ensure_ascii=False))


if __name__ == "__main__":
    main()
