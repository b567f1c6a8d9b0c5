"""How ``chitieu serve`` runs uvicorn: the HTTP connection's limits, and the protocol that
enforces them.

uvicorn parses HTTP with httptools (llhttp, in C: about a quarter less server CPU per request
than h11, docs/ARCHITECTURE.md), which sets no limit on a request's header section: a client
could send 160 MB of one header, which httptools gathers by concatenating byte strings while
every other request of the worker waits (16–19 s measured, 441 MB of memory), and a connection
that sends its header slowly, or nothing at all, was held for ever. :class:`HttpProtocol` is
uvicorn's httptools protocol with three limits (:class:`ServerSettings`, each a
``CHITIEU_*`` setting with a safe default):

- **the header section's size** (``CHITIEU_MAX_HEADER_BYTES``): the bytes of a request from
  its first byte to the blank line that ends its headers are counted as they arrive; the
  parser is never given more than the limit, and a request whose headers are not complete
  within it is answered ``431 Request Header Fields Too Large`` and its connection closed;
- **the time to send it** (``CHITIEU_HEADER_TIMEOUT``): from a request's first byte, its
  header section must be complete within this many seconds, or ``408 Request Timeout``;
- **an idle connection** (``CHITIEU_KEEPALIVE_TIMEOUT``): a connection with no request under
  way is closed after this many seconds — between requests (uvicorn's keep-alive timeout) and,
  unlike uvicorn, also before its first request.

None of them cuts a response under way (a long-lived event stream keeps its connection: the
idle timeout counts only while no request is being answered, and a session behind a stream is
kept alive by ``Sessions.mark_active``, web/sessions.py).

On a kept-alive connection, the head of a request that arrives in the same read as the end of
the previous request's body is counted from the next read: at most one read (256 KiB) more
than the limit is parsed there; a new connection's first request is cut at the limit exactly.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import cache
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from chitieu.collect.limits import counts, overrides

#: what ``chitieu serve`` passes to uvicorn as its HTTP protocol (an import string, so that
#: the worker processes of ``--workers N`` load it too)
PROTOCOL = "chitieu.web.server:HttpProtocol"
#: after a refusal, how long the connection stays open (not read) so that the client can
#: read the answer before the socket is closed under data it is still sending
LINGER_SECONDS = 2.0


@dataclass(frozen=True)
class ServerSettings:
    """The limits of the server's connections (defaults; :func:`server_settings` applies the
    environment's ``CHITIEU_<FIELD>`` overrides)."""

    #: largest header section of a request (request line, headers, blank line), in bytes
    max_header_bytes: int = 32_768
    #: seconds a client has, from a request's first byte, to send its whole header section
    header_timeout: float = 20.0
    #: seconds a connection with no request under way is kept open
    keepalive_timeout: float = 30.0
    #: seconds a stopping server waits for the answers under way before it ends them (open
    #: event streams of the conference board never end by themselves; browsers reconnect)
    shutdown_timeout: float = 10.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ServerSettings:
        """The defaults with every ``CHITIEU_<FIELD>`` of ``env`` (the environment) applied; a
        value that is not a positive number is refused (``input-bad-limit``)."""
        env = os.environ if env is None else env
        return cls(**overrides(cls, env, lambda f: f"CHITIEU_{f.upper()}"))  # type: ignore[arg-type]

    def uvicorn_options(self) -> dict[str, Any]:
        """What ``uvicorn.run`` is given for these settings (and the protocol that keeps them)."""
        return {
            "http": PROTOCOL,
            "timeout_keep_alive": self.keepalive_timeout,
            "timeout_graceful_shutdown": self.shutdown_timeout,
        }


@cache
def _settings(key: tuple[str, ...]) -> ServerSettings:
    return ServerSettings.from_env(dict(zip(_NAMES, key, strict=True)))


_NAMES = tuple(f"CHITIEU_{f.name.upper()}" for f in fields(ServerSettings))


def server_settings() -> ServerSettings:
    """The settings in force (the environment's, read once per distinct value)."""
    return _settings(tuple(os.environ.get(n, "") for n in _NAMES))


def refusal(status: int, code: str, lang_params: dict[str, Any]) -> bytes:
    """A whole HTTP response refusing a request before the app saw it: the JSON error shape
    of the API (``{ok, error, hint, status}``), in Vietnamese and English (the request's
    language is not known: its headers were not read), and ``Connection: close``."""
    from chitieu.catalog.messages import error_text

    vi, en = error_text(code, lang_params, "vi"), error_text(code, lang_params, "en")
    body = json.dumps(
        {
            "ok": False,
            "error": f"{vi[0]} / {en[0]}",
            "hint": f"{vi[1]} / {en[1]}",
            "status": status,
            "code": code,
            "message": {"vi": vi[0], "en": en[0]},
        },
        ensure_ascii=False,
    ).encode()
    head = [
        STATUS_LINE[status],
        b"content-type: application/json\r\n",
        b"content-length: " + str(len(body)).encode() + b"\r\n",
        b"connection: close\r\n\r\n",
    ]
    return b"".join(head) + body


#: the base class's methods, called directly on the per-request path (cheaper than super())
_feed = HttpToolsProtocol.data_received
_headers_complete = HttpToolsProtocol.on_headers_complete
_message_complete = HttpToolsProtocol.on_message_complete


class HttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a limit on the header section's size, a deadline to
    send it, and an idle timeout from the connection's start (module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        s = server_settings()
        self.max_head = s.max_header_bytes
        self.header_timeout = s.header_timeout
        self.in_head = True  # the next bytes belong to a request's header section
        self.head_bytes = 0  # of the header section under way, given to the parser
        self.head_read = 0  # of the header section under way, read from the socket
        #: when the header section under way began (loop time; None: none under way)
        self.head_started: float | None = None
        #: the one deadline check of the connection: armed when a header section begins and
        #: none is pending, it re-arms itself while sections keep coming (a timer per request
        #: would cost more than the rest of this class: measured, bench/web_protocol.py)
        self.head_timer: asyncio.TimerHandle | None = None
        self.refused = False

    # the connection
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # uvicorn arms its keep-alive timer only after a response: a connection that never
        # sent a byte was held for ever
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler
        )

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if not self.in_head:  # a body: BodyLimit (web/limits.py) counts it
            _feed(self, data)
            return
        if self.refused:
            return
        if self.head_started is None:
            self.head_started = self.loop.time()
            if self.head_timer is None:
                self.head_timer = self.loop.call_later(self.header_timeout, self._deadline)
        self.head_read += len(data)
        room = self.max_head - self.head_bytes
        if len(data) <= room:
            self.head_bytes += len(data)
            _feed(self, data)
            return
        if room > 0:  # the part of this read the limit allows: it may end the headers
            self.head_bytes += room
            _feed(self, data[:room])
        if self.in_head:
            if not self.transport.is_closing():
                self._refuse_too_big()
            return
        if not self.transport.is_closing():
            self.data_received(data[room:])  # past the headers: the body, or the next request

    # the parser's events
    def on_headers_complete(self) -> None:
        self.in_head = False
        self.head_bytes = self.head_read = 0
        self.head_started = None
        _headers_complete(self)

    def on_message_complete(self) -> None:
        self.in_head = True  # what comes next is the next request's header section
        _message_complete(self)

    # refusals
    def _refuse_too_big(self) -> None:
        params = {**counts(limit=self.max_head), "setting": "CHITIEU_MAX_HEADER_BYTES"}
        self.logger.warning(
            "request header section over %d bytes from %s: refused with 431 after reading %d "
            "bytes (%d of them parsed)",
            self.max_head, self._peer(), self.head_read, self.head_bytes,
        )  # fmt: skip
        self._refuse(431, "input-header-too-big", params)

    def _deadline(self) -> None:
        """The deadline check: 408 for a header section older than the timeout; for a younger
        one, the check again at its deadline; none under way, no check until the next."""
        self.head_timer = None
        started = self.head_started
        if started is None or self.refused or self.transport.is_closing():
            return
        left = started + self.header_timeout - self.loop.time()
        if left > 0:
            self.head_timer = self.loop.call_later(left, self._deadline)
            return
        seconds = f"{self.header_timeout:g}"
        self.logger.warning(
            "request header section from %s not complete after %s s (%d bytes): refused "
            "with 408",
            self._peer(), seconds, self.head_read,
        )  # fmt: skip
        self._refuse(408, "input-header-slow", {"seconds": seconds})

    def _refuse(self, status: int, code: str, params: dict[str, Any]) -> None:
        """Answer ``status`` and close: the answer and the end of the stream are written, the
        rest of the request is not read, and the socket is closed shortly after (or at once if
        the client goes)."""
        self.refused = True
        self._stop_head_timer()
        self._unset_keepalive_if_required()
        self.flow.pause_reading()
        self.transport.write(refusal(status, code, params))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, self._close)

    def _close(self) -> None:
        if not self.transport.is_closing():
            self.transport.close()

    def _stop_head_timer(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _peer(self) -> str:
        return f"{self.client[0]}:{self.client[1]}" if self.client else "?"
