"""A Server-Sent Events client for the tests: one thread per stream reads it line by line and
keeps every event and heartbeat, so a test waits on what came (an event, never a clock)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from tests.web.live import PATIENCE


@dataclass
class Event:
    """One event of the stream (or a heartbeat: ``comment`` set)."""

    id: str = ""
    name: str = ""
    data: str = ""
    comment: str = ""

    def json(self) -> Any:
        return json.loads(self.data)


@dataclass
class Stream:
    """``GET url`` as a stream, read in its own thread until :meth:`close` (or the end)."""

    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    cookies: Mapping[str, str] = field(default_factory=dict)
    status: int = 0
    content_type: str = ""
    events: list[Event] = field(default_factory=list)
    ended: bool = False

    def __post_init__(self) -> None:
        self.changed = threading.Condition()
        self._stop = threading.Event()
        self._client = httpx.Client(timeout=httpx.Timeout(PATIENCE, read=None))
        threading.Thread(target=self._run, daemon=True).start()
        self.wait(lambda: self.status != 0 or self.ended)

    def _run(self) -> None:
        try:
            with self._client.stream(
                "GET", self.url, headers=dict(self.headers), cookies=dict(self.cookies)
            ) as r:
                with self.changed:
                    self.status, self.content_type = (
                        r.status_code,
                        r.headers.get("content-type", ""),
                    )
                    self.changed.notify_all()
                self._read(r)
        except httpx.HTTPError:
            pass
        finally:
            with self.changed:
                self.ended = True
                self.changed.notify_all()

    def _read(self, r: httpx.Response) -> None:
        ev = Event()
        for line in r.iter_lines():
            if self._stop.is_set():
                return
            if line.startswith(":"):
                self._add(Event(comment=line[1:].strip()))
            elif line == "":
                if ev.data or ev.id:
                    self._add(ev)
                ev = Event()
            else:
                name, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if name == "id":
                    ev.id = value
                elif name == "event":
                    ev.name = value
                elif name == "data":
                    ev.data += value

    def _add(self, ev: Event) -> None:
        with self.changed:
            self.events.append(ev)
            self.changed.notify_all()

    def wait(self, pred: Callable[[], Any]) -> Any:
        """Wait until ``pred()`` holds (at most PATIENCE: then the test fails on its check)."""
        with self.changed:
            self.changed.wait_for(pred, PATIENCE)
            return pred()

    def boards(self) -> list[Event]:
        """The board events so far (no heartbeats)."""
        return [e for e in self.events if e.name == "board"]

    def wait_board(self, pred: Callable[[Any], bool], after: int = 0) -> Any:
        """The first board event from the ``after``-th on whose data satisfies ``pred``."""

        def found() -> Any:
            for e in self.boards()[after:]:
                if pred(e.json()):
                    return e.json()
            return None

        got = self.wait(lambda: found() is not None or self.ended)
        return got and found()

    def heartbeats(self) -> int:
        return sum(1 for e in self.events if e.comment == "heartbeat")

    def close(self) -> None:
        self._stop.set()
        self._client.close()
