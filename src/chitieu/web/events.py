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
the connection. Every heartbeat period, whether updates flow or not, the guard of the
connection is asked whether it may go on, before anything more is sent: a signed-in presenter's
session counts as active (``Sessions.mark_active``: the idle timeout does not end a session
while its board is open), a viewer link is checked for revocation, an API token looked up. A
client is never sent a version older than (or equal to) its own (versions are ordered: see
``order``), and a board that fails is tried again with back-off, the other boards going on. A
client
that falls behind (its queue full) gets the whole board instead of the changes it missed. A
stream ends after ``CHITIEU_SSE_LIFETIME_SECONDS`` (an hour); the browser reconnects by itself
(``retry:`` 2 s) with its ``Last-Event-ID`` and misses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio.to_thread

from chitieu.analyze.cache import VersionedCache, store_identity, version_key
from chitieu.catalog.periods import Period, parse_period
from chitieu.collect.limits import overrides
from chitieu.store.values import Store
from chitieu.web.conference_data import BoardState, board_state, version_text

LOG = logging.getLogger("chitieu.web")
#: the reconnect delay a client is told (ms): a board is back within the 2 s of issue 22
RETRY_MS = 2000
#: events a slow client may have waiting before it is sent the whole board instead
QUEUE = 8
HEARTBEAT = b": heartbeat\n\n"
#: the longest delay (s) before a store or a board that failed is asked again
BACKOFF_MAX = 30.0

Key = tuple[str, str]  # (period, language)
Guard = Callable[[], Awaitable[bool]]


@dataclass(frozen=True)
class StreamSettings:
    """How often the store is asked, how often an idle stream says it is alive, how long a
    stream lasts before the browser reconnects (each a ``CHITIEU_SSE_<FIELD>_SECONDS``)."""

    poll: float = 0.5
    heartbeat: float = 15.0
    lifetime: float = 3600.0
    #: the longest one poll of the watcher may take before it is given up (and logged)
    tick: float = 60.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> StreamSettings:
        """The defaults with the environment's overrides (a bad value: ``input-bad-limit``)."""
        env = os.environ if env is None else env
        got = overrides(cls, env, lambda f: f"CHITIEU_SSE_{f.upper()}_SECONDS")
        return cls(**got)


def order(version: str) -> tuple[int, ...]:
    """A version's place in time: its numbers (``store/version.py``: the restore epoch first,
    then counts and newest ids, each of which only grows); "" is before every version."""
    try:
        return tuple(int(x) for x in version.split(".")) if version else ()
    except ValueError:
        return ()


def newer(a: str, b: str) -> bool:
    """Whether version ``a`` comes after ``b`` (an older or equal one is never sent)."""
    return order(a) > order(b)


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
        """Queue ``up``; a full queue is emptied, the client then gets the whole board. An
        update not newer than the client's version is dropped (a tick that read an older
        version than a client that connected meanwhile)."""
        if not newer(up.state.version, self.version):
            return
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
        #: the version whose update was offered to each board's clients (per loop, per key)
        self.sent: dict[Key, str] = {}
        #: boards whose computation failed: (when to try again, the delay after that)
        self.failed: dict[Key, tuple[float, float]] = {}


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
        #: the newest board of each watched (period, language): the next change's base; a
        #: board's entry goes when its last client leaves
        self.states: dict[Key, BoardState] = {}
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
            got.task = self._start(loop, got)
        return got

    def _start(self, loop: asyncio.AbstractEventLoop, lp: _Loop) -> asyncio.Task[None]:
        task = loop.create_task(self._watch(lp), name="chitieu-board-watcher")
        task.add_done_callback(lambda t: self._stopped(loop, lp, t))
        return task

    def _stopped(
        self, loop: asyncio.AbstractEventLoop, lp: _Loop, task: asyncio.Task[None]
    ) -> None:
        """A watcher that ended by a fault (not cancelled at shutdown) is logged and started
        again: its clients would otherwise wait for ever."""
        if task.cancelled() or loop.is_closed() or lp.task is not task:
            return
        LOG.error("the conference board's watcher stopped; it is started again",
                  exc_info=task.exception())  # fmt: skip
        lp.task = self._start(loop, lp)

    async def close(self) -> None:
        """Stop this event loop's watcher (the server's shutdown)."""
        lp = self._loops.get(asyncio.get_running_loop())
        if lp is None or lp.task is None:
            return
        task, lp.task = lp.task, None
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    def clients(self) -> int:
        """Clients connected to this process now."""
        return sum(len(s) for lp in self._loops.values() for s in lp.subs.values())

    def _watched(self, key: Key) -> bool:
        return any(key in lp.subs for lp in self._loops.values())

    async def _version(self) -> str:
        key = await anyio.to_thread.run_sync(version_key, self.store, abandon_on_cancel=True)
        return version_text(tuple(int(x) for x in key[1]))  # type: ignore[attr-defined]

    async def state(self, key: Key, version: str | None = None) -> BoardState:
        """The board of ``key`` at ``version`` (default: the store's now), computed once; kept
        as the board's newest state if it has clients and nothing newer is kept."""
        lp = self._here()
        lock = lp.locks.setdefault(key, asyncio.Lock())
        async with lock:
            v = version or await self._version()
            cache_key = (store_identity(self.store), v, *key)
            got = self.boards.get(cache_key)
            if got is None:
                p = parse_period(key[0])
                got = await anyio.to_thread.run_sync(
                    self.make, self.store, p, key[1], v, abandon_on_cancel=True
                )
                self.computed += 1
                self.boards.put(cache_key, got)
            kept = self.states.get(key)
            if self._watched(key) and (kept is None or newer(got.version, kept.version)):
                self.states[key] = got
            return got

    def subscribe(self, key: Key) -> Subscriber:
        """A new client of the board ``key``."""
        lp = self._here()
        sub = Subscriber(key)
        lp.subs.setdefault(key, set()).add(sub)
        lp.wake.set()
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        """A client has gone; the last client of a board takes its entries with it."""
        for lp in self._loops.values():
            group = lp.subs.get(sub.key)
            if group is not None and sub in group:
                group.discard(sub)
                if not group:
                    del lp.subs[sub.key]
                    for kept in (lp.locks, lp.sent, lp.failed):
                        kept.pop(sub.key, None)
        if not self._watched(sub.key):
            self.states.pop(sub.key, None)

    async def _watch(self, lp: _Loop) -> None:
        delay = self.settings.poll
        while True:
            if not lp.subs:
                lp.wake.clear()
                await lp.wake.wait()
            try:
                with anyio.fail_after(self.settings.tick):
                    await self._tick(lp)
            except Exception:  # the store is down or slow: asked again, less often, logged once
                if delay == self.settings.poll:
                    LOG.warning("the conference board's watcher: the store did not answer; "
                                "asked again with back-off", exc_info=True)  # fmt: skip
                delay = min(delay * 2, BACKOFF_MAX)
            else:
                delay = self.settings.poll
            await asyncio.sleep(delay)

    async def _tick(self, lp: _Loop) -> None:
        v = await self._version()
        now = asyncio.get_running_loop().time()
        for key in list(lp.subs):
            if lp.sent.get(key) == v or now < lp.failed.get(key, (0.0, 0.0))[0]:
                continue
            try:
                await self._offer(lp, key, v)
            except Exception:  # this board only (a fault of its data): the others go on
                self._failed(lp, key, now)
                continue
            if lp.failed.pop(key, None) is not None:
                LOG.info("the conference board %s/%s is computed again", *key)
            lp.sent[key] = v

    def _failed(self, lp: _Loop, key: Key, now: float) -> None:
        """A board that failed is tried again after a delay that doubles (logged once)."""
        delay = lp.failed[key][1] if key in lp.failed else self.settings.poll
        if key not in lp.failed:
            LOG.warning("the conference board %s/%s failed; tried again with back-off", *key,
                        exc_info=True)  # fmt: skip
        lp.failed[key] = (now + delay, min(delay * 2, BACKOFF_MAX))

    async def _offer(self, lp: _Loop, key: Key, v: str) -> None:
        """The board of ``key`` at ``v`` to its clients, unless one newer is there already."""
        before = self.states.get(key)
        after = await self.state(key, v)
        if before is not None and not newer(after.version, before.version):
            return  # its first client made it (or a newer one), and got it whole
        self.states[key] = after
        up = Update(after, before.version if before else "", after.delta_event(before))
        for sub in list(lp.subs.get(key, ())):
            sub.offer(up)

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
            sub.version = max(sub.version, now.version, key=order)
            end = loop.time() + self.settings.lifetime
            async for chunk in self._follow(sub, end, guard):
                yield chunk
        finally:
            self.unsubscribe(sub)

    async def _follow(self, sub: Subscriber, end: float, guard: Guard) -> AsyncIterator[bytes]:
        """Updates and heartbeats until ``end``; ``guard`` is asked every heartbeat period,
        whether updates keep coming or not, before anything more is sent."""
        loop = asyncio.get_running_loop()
        check = loop.time() + self.settings.heartbeat
        while (left := end - loop.time()) > 0:
            up: Update | None = None
            with contextlib.suppress(TimeoutError):
                wait = max(0.0, min(check - loop.time(), left))
                up = await asyncio.wait_for(sub.queue.get(), wait)
            if loop.time() >= end:
                return
            if loop.time() >= check:
                if not await guard():
                    return
                check = loop.time() + self.settings.heartbeat
                if up is None:
                    yield HEARTBEAT
            if up is None or not newer(up.state.version, sub.version):
                continue  # nothing, or the client has this version already
            yield up.for_client(sub.version)
            sub.version = up.state.version


def hub_of(app: Any) -> Hub:
    """The app's hub (made with the app: one per server process)."""
    hub: Hub = app.state.hub
    return hub
