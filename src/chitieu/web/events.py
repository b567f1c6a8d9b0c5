"""The conference board's event stream: one watcher per server process, fanned out to every
client of that process.

**One watcher.** While at least one client is connected, one asyncio task of the process asks
the store for its data version (``version_key``: ``Store.data_version``, a few counts)
every ``CHITIEU_SSE_POLL_SECONDS`` (0.5 s). A write from any process or host on the same store
moves the version, so every process of ``chitieu serve --workers N``, and every server on one
PostgreSQL, sees it within one poll: no message bus, nothing to configure. With no client
connected the watcher sleeps and asks nothing.

**Once per version.** When the version moves, the board of each (period, language) that has
clients is computed once (``web/conference_data.board_state``, in a thread), its event (the
figures and parts that changed) is encoded once, and the same bytes are queued to every client
of that board. A client that connects computes nothing if the board of the current version is
there already.

**A client** gets, on connecting, the whole board at once unless the version it names
(``Last-Event-ID``, which browsers send when they reconnect, or ``?since=``, the version of the
page it came from) is the current one; then each change; and, when nothing happened for
``CHITIEU_SSE_HEARTBEAT_SECONDS`` (15 s), a comment line (``:``) that keeps proxies from closing
the connection. Each heartbeat asks the guard of the connection whether it may go on: a
signed-in presenter's session counts as active (``Sessions.mark_active``: the idle timeout does
not end a session while its board is open), a viewer link is checked for revocation. A client
that falls behind (its queue full) gets the whole board instead of the changes it missed. A
stream ends after ``CHITIEU_SSE_LIFETIME_SECONDS`` (an hour); the browser reconnects by itself
(``retry:`` 2 s) with its ``Last-Event-ID`` and misses nothing.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import anyio.to_thread

from chitieu.analyze.cache import VersionedCache, store_identity, version_key
from chitieu.catalog.periods import Period, parse_period
from chitieu.collect.limits import positive
from chitieu.store.values import Store
from chitieu.web.conference_data import BoardState, board_state, version_text

LOG = logging.getLogger("chitieu.web")
#: the reconnect delay a client is told (ms): a board is back within the 2 s of issue 22
RETRY_MS = 2000
#: events a slow client may have waiting before it is sent the whole board instead
QUEUE = 8
HEARTBEAT = b": heartbeat\n\n"

Key = tuple[str, str]  # (period, language)
Guard = Callable[[], Awaitable[bool]]


@dataclass(frozen=True)
class StreamSettings:
    """How often the store is asked, how often an idle stream says it is alive, how long a
    stream lasts before the browser reconnects (each a ``CHITIEU_SSE_<FIELD>_SECONDS``)."""

    poll: float = 0.5
    heartbeat: float = 15.0
    lifetime: float = 3600.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> StreamSettings:
        """The defaults with the environment's overrides (a bad value: ``input-bad-limit``)."""
        env = os.environ if env is None else env
        got: dict[str, float] = {}
        for f in fields(cls):
            name = f"CHITIEU_SSE_{f.name.upper()}_SECONDS"
            if env.get(name, "").strip():
                got[f.name] = float(positive(name, env[name], float))
        return cls(**got)


@dataclass(frozen=True)
class Update:
    """A new state of a board and the event that brings a client from ``base`` to it."""

    state: BoardState
    base: str
    delta: bytes

    def for_client(self, version: str) -> bytes:
        """The event for a client that has ``version``: the changes if it has the base."""
        return self.delta if version == self.base else self.state.full_event


@dataclass(eq=False)
class Subscriber:
    """One client's queue of updates, and the version it has."""

    key: Key
    queue: asyncio.Queue[Update] = field(default_factory=lambda: asyncio.Queue(QUEUE))
    version: str = ""

    def offer(self, up: Update) -> None:
        """Queue ``up``; a full queue is emptied, the client then gets the whole board."""
        try:
            self.queue.put_nowait(up)
        except asyncio.QueueFull:
            while not self.queue.empty():
                self.queue.get_nowait()
            self.version = ""  # whatever comes next is sent whole
            self.queue.put_nowait(up)


class _Loop:
    """The hub's part that lives in one event loop: its clients, watcher and locks."""

    def __init__(self) -> None:
        self.subs: dict[Key, set[Subscriber]] = {}
        self.wake = asyncio.Event()
        self.locks: dict[Key, asyncio.Lock] = {}
        self.task: asyncio.Task[None] | None = None


class Hub:
    """The process's board states and their clients (see the module's notes)."""

    def __init__(
        self,
        store: Store,
        settings: StreamSettings | None = None,
        make: Callable[[Store, Period, str, str], BoardState] = board_state,
    ) -> None:
        self.store = store
        self.settings = settings or StreamSettings.from_env()
        self.make = make
        #: boards by (store, version, period, language): the one versioned cache helper
        self.boards: VersionedCache[BoardState] = VersionedCache(16)
        #: the last board of each (period, language) sent as a change: the next one's base
        self.states: dict[Key, BoardState] = {}
        self.version = ""
        #: boards computed in this process (tests and the benchmark count them)
        self.computed = 0
        #: this process's name in its streams' first line (tests tell workers apart by it)
        self.name = secrets.token_hex(4)
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Loop] = (
            weakref.WeakKeyDictionary()
        )

    def _here(self) -> _Loop:
        loop = asyncio.get_running_loop()
        got = self._loops.get(loop)
        if got is None:
            got = self._loops[loop] = _Loop()
        if got.task is None or got.task.done():
            got.task = loop.create_task(self._watch(got), name="chitieu-board-watcher")
        return got

    def clients(self) -> int:
        """Clients connected to this process now."""
        return sum(len(s) for lp in self._loops.values() for s in lp.subs.values())

    async def _version(self) -> str:
        key = await anyio.to_thread.run_sync(version_key, self.store)
        return version_text(tuple(int(x) for x in key[1]))  # type: ignore[attr-defined]

    async def state(self, key: Key, version: str | None = None) -> BoardState:
        """The board of ``key`` at ``version`` (default: the store's now), computed once."""
        lp = self._here()
        lock = lp.locks.setdefault(key, asyncio.Lock())
        async with lock:
            v = version or await self._version()
            cache_key = (store_identity(self.store), v, *key)
            got = self.boards.get(cache_key)
            if got is None:
                p = parse_period(key[0])
                got = await anyio.to_thread.run_sync(self.make, self.store, p, key[1], v)
                self.computed += 1
                self.boards.put(cache_key, got)
            self.states.setdefault(key, got)
            return got

    def subscribe(self, key: Key) -> Subscriber:
        """A new client of the board ``key``."""
        lp = self._here()
        sub = Subscriber(key)
        lp.subs.setdefault(key, set()).add(sub)
        lp.wake.set()
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        """A client has gone."""
        for lp in self._loops.values():
            group = lp.subs.get(sub.key)
            if group is not None and sub in group:
                group.discard(sub)
                if not group:
                    del lp.subs[sub.key]

    async def _watch(self, lp: _Loop) -> None:
        while True:
            if not lp.subs:
                lp.wake.clear()
                await lp.wake.wait()
            try:
                await self._tick(lp)
            except Exception:  # a fault of the database: the next poll tries again
                LOG.warning("the conference board's watcher: the next poll tries again",
                            exc_info=True)  # fmt: skip
            await asyncio.sleep(self.settings.poll)

    async def _tick(self, lp: _Loop) -> None:
        v = await self._version()
        if v == self.version:
            return
        for key in list(lp.subs):
            before = self.states.get(key)
            after = await self.state(key, v)
            self.states[key] = after
            if before is not None and before.version == after.version:
                continue  # its first client made it, and got it whole
            up = Update(after, before.version if before else "", after.delta_event(before))
            for sub in list(lp.subs.get(key, ())):
                sub.offer(up)
        self.version = v  # only now: a board that failed (a fault of the store) is tried again

    async def stream(self, key: Key, last: str, guard: Guard) -> AsyncIterator[bytes]:
        """A client's events: the board now (unless ``last`` is its version), each change,
        heartbeats; it ends when ``guard`` says no, or after the stream's lifetime."""
        loop = asyncio.get_running_loop()
        sub = self.subscribe(key)
        try:
            yield f": stream {self.name}\nretry: {RETRY_MS}\n\n".encode()
            now = await self.state(key)
            if last != now.version:
                yield now.full_event
            sub.version = now.version
            end = loop.time() + self.settings.lifetime
            async for chunk in self._follow(sub, end, guard):
                yield chunk
        finally:
            self.unsubscribe(sub)

    async def _follow(self, sub: Subscriber, end: float, guard: Guard) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        while (left := end - loop.time()) > 0:
            try:
                up = await asyncio.wait_for(sub.queue.get(), min(self.settings.heartbeat, left))
            except TimeoutError:
                if loop.time() >= end or not await guard():
                    return
                yield HEARTBEAT
                continue
            if up.state.version == sub.version:
                continue  # the client has this version already (it connected meanwhile)
            yield up.for_client(sub.version)
            sub.version = up.state.version


def hub_of(app: Any) -> Hub:
    """The app's hub (made with the app: one per server process)."""
    hub: Hub = app.state.hub
    return hub
