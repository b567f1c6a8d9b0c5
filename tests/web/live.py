"""A real ``chitieu serve`` process for the tests that need the HTTP server itself (its
parser, its connection limits), and a raw socket client that counts what it sends.

The server is started with ``--port 0``; its port is read from uvicorn's own start-up line,
and every line it logs is kept, so a test can wait for a line (an event, not a clock).
"""

from __future__ import annotations

import os
import re
import select
import socket
import subprocess
import sys
import threading
from collections.abc import Mapping

#: the safety net of every wait on the server: a test that waits this long has failed
PATIENCE = float(os.environ.get("CHITIEU_TEST_PATIENCE", "60"))


#: what a read ends with when the server neither answered nor closed within PATIENCE
NO_ANSWER = b"<no answer>"


class LiveServer:
    """``chitieu serve --db URL --port 0`` with ``env`` added to the environment."""

    def __init__(
        self, url: str, env: Mapping[str, str] | None = None, args: tuple[str, ...] = ()
    ) -> None:
        cmd = [sys.executable, "-c", "from chitieu.cli.main import app; app()",
               "serve", "--db", url, "--port", "0", *args]  # fmt: skip
        self.proc = subprocess.Popen(
            cmd,
            env={**os.environ, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.port = 0
        threading.Thread(target=self._read, daemon=True).start()
        got = self.wait_for(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")
        self.port = int(got.group(1))

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self.changed:
                self.lines.append(line.rstrip("\n"))
                self.changed.notify_all()
        with self.changed:
            self.lines.append("<exit>")
            self.changed.notify_all()

    def wait_for(self, pattern: str, after: int = 0) -> re.Match[str]:
        """The first log line from ``after`` on that matches ``pattern`` (waits for it)."""
        m = self.find(pattern, after)
        assert m is not None, f"no log line /{pattern}/:\n" + "\n".join(self.lines[-20:])
        return m

    def find(self, pattern: str, after: int = 0) -> re.Match[str] | None:
        """The first log line from ``after`` on that matches ``pattern``, waited for; None if
        none came (or the server ended)."""
        rx = re.compile(pattern)

        def found() -> re.Match[str] | None:
            for line in self.lines[after:]:
                if (m := rx.search(line)) is not None:
                    return m
            return None

        with self.changed:
            self.changed.wait_for(lambda: found() or "<exit>" in self.lines, PATIENCE)
        return found()

    def request(self, raw: bytes) -> bytes:
        """Send ``raw`` on a new connection; everything the server answers until it closes
        (or until one whole response with a Content-Length has come)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=PATIENCE) as s:
            s.sendall(raw)
            return read_response(s)

    def stop(self) -> None:
        """End the server (its own process only)."""
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


def read_response(s: socket.socket) -> bytes:
    """One response (by its Content-Length), or what comes until the server closes."""
    out = b""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            return out
        except TimeoutError:  # no answer, the connection still open: the test fails
            return out + NO_ANSWER
        if not chunk:
            return out
        out += chunk
        head, sep, body = out.partition(b"\r\n\r\n")
        m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        if sep and m and len(body) >= int(m.group(1)):
            return out


def status_of(response: bytes) -> int:
    """The status code of a raw response (0 if there was none)."""
    m = re.match(rb"HTTP/1\.[01] (\d{3})", response)
    return int(m.group(1)) if m else 0


class Flood:
    """One connection that sends a request head of ``total`` bytes, one header line that
    never ends, in ``chunk``-byte writes, and reads whatever the server answers meanwhile;
    ``sent`` counts the bytes the kernel took. ``past`` is set once ``mark`` bytes were sent
    (or the server answered), ``done`` when the flood ended (answered, closed or all sent)."""

    def __init__(self, port: int, total: int, mark: int, chunk: int = 65536) -> None:
        self.port, self.total, self.mark, self.chunk = port, total, mark, chunk
        self.sent = 0
        self.answer = b""
        self.past = threading.Event()
        self.done = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=PATIENCE) as s:
                s.setblocking(False)
                self._pump(s)
        except OSError:
            pass
        finally:
            self.past.set()
            self.done.set()

    def _pump(self, s: socket.socket) -> None:
        head = b"GET /healthz HTTP/1.1\r\nHost: flood\r\nX-Flood: "
        data = memoryview(head + b"a" * (self.total - len(head) - 4) + b"\r\n\r\n")
        while True:
            want_write = self.sent < len(data)
            readable, writable, _ = select.select([s], [s] if want_write else [], [], PATIENCE)
            if not readable and not writable:
                return  # nothing moved for PATIENCE seconds: the test fails on its checks
            if readable:
                self.answer = read_response_nonblocking(s)
                return
            try:
                self.sent += s.send(data[self.sent : self.sent + self.chunk])
            except (BrokenPipeError, ConnectionResetError):
                return
            if self.sent >= self.mark:
                self.past.set()


def read_response_nonblocking(s: socket.socket) -> bytes:
    """A response on a non-blocking socket that has just become readable."""
    s.setblocking(True)
    s.settimeout(PATIENCE)
    return read_response(s)
