"""The HTTP protocol's own cost, in one process and without a network or a store: CPU time
per request of uvicorn's httptools protocol and of chitieu's (``web/server.py``, the header
section's limits), each fed the same form save as ``bench_web.py`` sends, one request after
the other on a kept-alive connection, answered by a minimal ASGI app. What the end-to-end runs
measure too, but here without the database, the app and the other tenants of the machine.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

SAVE = (
    b"PUT /api/v1/submissions/TTTT-6T/01@34/2026S1 HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n"
    b"Authorization: Bearer ct_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG\r\n"
    b"Content-Type: application/json\r\nContent-Length: 58\r\n\r\n"
    b'{"values": {"ICT_REVENUE": 1001}, "version": "12.3456789"}'
)


async def _app(scope: Any, receive: Any, send: Any) -> None:
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", b"2")]})  # fmt: skip
    await send({"type": "http.response.body", "body": b"ok"})


class _Transport(asyncio.Transport):
    """A socket that takes every write and is never closed."""

    def __init__(self) -> None:
        super().__init__()
        self.written = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += len(data)

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 8000) if name in ("peername", "sockname") else default

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        pass

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def _run(cls: type, requests: int) -> float:
    """CPU seconds per request of ``requests`` saves through one connection of ``cls``."""
    from uvicorn.config import Config
    from uvicorn.server import ServerState

    config = Config(app=_app, lifespan="off", log_level="warning", access_log=False)
    config.load()
    proto = cls(config=config, server_state=ServerState(), app_state={})
    proto.connection_made(_Transport())
    t0 = time.process_time()
    for _ in range(requests):
        proto.data_received(SAVE)
        while not proto.cycle.response_complete:
            await asyncio.sleep(0)
    spent = time.process_time() - t0
    proto.connection_lost(None)
    return spent / requests


def protocol_cost(requests: int = 20_000, repeat: int = 7) -> dict[str, Any]:
    """Median CPU µs per request of each protocol over ``repeat`` alternating runs."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    from chitieu.web.server import HttpProtocol

    try:
        import uvloop

        loop_factory: Any = uvloop.new_event_loop
    except ImportError:  # pragma: no cover - Windows
        loop_factory = asyncio.new_event_loop
    times: dict[str, list[float]] = {"httptools": [], "chitieu": []}
    for i in range(repeat):
        pairs = [("httptools", HttpToolsProtocol), ("chitieu", HttpProtocol)]
        for name, cls in pairs if i % 2 == 0 else pairs[::-1]:
            with asyncio.Runner(loop_factory=loop_factory) as runner:
                times[name].append(runner.run(_run(cls, requests)) * 1e6)
    stock, ours = (statistics.median(times[k]) for k in ("httptools", "chitieu"))
    return {
        "requests_per_run": requests,
        "runs": repeat,
        "cpu_us_per_request": {"httptools": round(stock, 2), "chitieu": round(ours, 2)},
        "ratio": round(ours / stock, 3),
        "all_us": {k: [round(v, 2) for v in vs] for k, vs in times.items()},
    }
