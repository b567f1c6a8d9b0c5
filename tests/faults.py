"""A TCP proxy in front of PostgreSQL that a test can cut: "the server went away" for real
(the client's socket is closed under it), mid-import or while the web app serves."""

from __future__ import annotations

import contextlib
import socket
import threading
from urllib.parse import urlsplit, urlunsplit


class CutProxy:
    """Forwards 127.0.0.1:<port> to the PostgreSQL of ``url`` until :meth:`cut`; with
    ``cut_after`` bytes sent by clients it cuts by itself (in the middle of a big write)."""

    def __init__(self, url: str, cut_after: int | None = None) -> None:
        parts = urlsplit(url)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 5432)
        self.cut_after, self.sent = cut_after, 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        netloc = parts.netloc.rsplit("@", 1)
        user = f"{netloc[0]}@" if len(netloc) == 2 else ""
        self.url = urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{self.port}"))
        self.socks: list[socket.socket] = []
        self.is_cut = threading.Event()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.is_cut.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.is_cut.is_set():
                client.close()
                return
            server = socket.create_connection(self.target)
            with self.lock:
                self.socks += [client, server]
            threading.Thread(target=self._pipe, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, False), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, upstream: bool) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
                if upstream:
                    with self.lock:
                        self.sent += len(data)
                    if self.cut_after is not None and self.sent >= self.cut_after:
                        self.cut()
                        return
        except OSError:
            pass

    def cut(self) -> None:
        """Close every connection and refuse new ones: the server is gone."""
        self.is_cut.set()
        with contextlib.suppress(OSError):
            self.listener.close()
        with self.lock:
            socks, self.socks = self.socks, []
        for s in socks:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()


def count_rows(url: str, table: str = "observation") -> int:
    """Rows of ``table`` in the store at ``url`` (what a refused or killed write must not add)."""
    from sqlalchemy import text

    from chitieu.store.values import Store

    store = Store(url)
    try:
        with store.engine.connect() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar())
    finally:
        store.engine.dispose()


def say(request, text: str) -> None:  # type: ignore[no-untyped-def]
    """Print past pytest's capture (a suite's count at its end, as the authorisation matrix
    prints its own)."""
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(text, flush=True)


ICT = ("ICT_REVENUE", "ICT_BUDGET", "ICT_GDP", "ICT_LABOUR")


def values_csv(path, years: int, codes: tuple[str, ...]) -> str:  # type: ignore[no-untyped-def]
    """A good import file: the four ICT indicators of the province ``codes`` for every month of
    the ``years`` up to 2026 (``years × 12 × 4 × len(codes)`` rows)."""
    lines = ["indicator,unit,period,value,kind"]
    for year in range(2026 - years + 1, 2027):
        for m in range(1, 13):
            lines += [f"{ind},{c},{year}{m:02d},{1000 + m},actual" for ind in ICT for c in codes]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)
