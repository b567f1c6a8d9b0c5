"""ASGI middleware: pages and API answers compressed (brotli or gzip) as the browser accepts.

A response of a text type (HTML, JSON, CSV, SVG, Markdown, scripts and style sheets) of at
least :data:`MIN_SIZE` bytes, not already encoded, is compressed whole: brotli at quality 5
(about gzip's speed, a smaller result) when the request accepts ``br``, else gzip at 6.
Server-Sent Events (``text/event-stream``) pass as they come, never held back. Fingerprinted
assets arrive already compressed (``web/assets.py``) and pass untouched.
"""

from __future__ import annotations

import gzip

import brotli  # type: ignore[import-untyped]
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chitieu.web.assets import pick_encoding

#: smaller bodies are sent as they are (a compressed frame would not be smaller by much)
MIN_SIZE = 860
COMPRESSIBLE = (
    "text/html",
    "text/csv",
    "text/plain",
    "text/markdown",
    "text/css",
    "text/javascript",
    "application/json",
    "application/javascript",
    "image/svg+xml",
    "application/problem+json",
)


def compress(body: bytes, encoding: str) -> bytes:
    """``body`` in ``encoding`` (br or gzip)."""
    if encoding == "br":
        return bytes(brotli.compress(body, quality=5))
    return gzip.compress(body, 6, mtime=0)


class Compress:
    """Compress whole text responses (see the module's notes)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        enc = None
        if scope["type"] == "http":
            enc = pick_encoding(Headers(scope=scope).get("accept-encoding", ""))
        if enc is None:
            await self.app(scope, receive, send)
            return
        held: list[Message] = []
        chunks: list[bytes] = []

        async def wrapped(message: Message) -> None:
            start = message["type"] == "http.response.start"
            if start and _compressible(Headers(raw=message["headers"])):
                held.append(message)
                return
            if not held or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            await _send_whole(send, held[0], b"".join(chunks), enc)

        await self.app(scope, receive, wrapped)


def _compressible(headers: Headers) -> bool:
    ctype = headers.get("content-type", "")
    return "content-encoding" not in headers and ctype.startswith(COMPRESSIBLE)


async def _send_whole(send: Send, start: Message, body: bytes, enc: str) -> None:
    headers = MutableHeaders(scope=start)
    if len(body) >= MIN_SIZE:
        body = compress(body, enc)
        headers["Content-Encoding"] = enc
        headers["Content-Length"] = str(len(body))
    vary = headers.get("vary")
    if not vary:
        headers["Vary"] = "Accept-Encoding"
    elif "accept-encoding" not in vary.lower():
        headers["Vary"] = f"{vary}, Accept-Encoding"
    await send(start)
    await send({"type": "http.response.body", "body": body})
