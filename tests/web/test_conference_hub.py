"""The event hub alone (``web/events.py``), in one event loop: a board whose computation fails
(a fault of the store) is tried again at the next poll, not skipped for that version."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from tests.web.live import PATIENCE

from chitieu.catalog.periods import Period
from chitieu.store.values import NewValue, Store
from chitieu.web.conference_data import BoardState, event
from chitieu.web.events import Hub, StreamSettings
from chitieu.web.viewer import make_link, revoke, still_valid


def _board(version: str) -> BoardState:
    plain = BoardState(version, "2025S2", "vi", {"v": {"version": version}}, {"x": version})
    return BoardState(version, "2025S2", "vi", plain.figures, plain.parts,
                      event(plain, plain.figures, plain.parts))  # fmt: skip


def test_a_failed_board_is_tried_again(store: Store) -> None:
    calls: list[str] = []

    def make(_store: Store, _p: Period, _lang: str, version: str) -> BoardState:
        calls.append(version)
        if len(calls) == 2:  # the first board after the write: the store is down a moment
            raise OSError("database is locked")
        return _board(version)

    hub = Hub(store, StreamSettings(poll=0.01, heartbeat=60, lifetime=600), make=make)

    async def guard() -> bool:
        return True

    async def run() -> list[bytes]:
        stream = hub.stream(("2025S2", "vi"), "", guard)
        got = [await stream.__anext__(), await stream.__anext__()]  # retry:, the whole board
        await asyncio.to_thread(
            store.write, [NewValue("ICT_REVENUE", "01@34", "2025S2", "actual", 5.0)],
            source="test", created_by="test",
        )  # fmt: skip
        got.append(await asyncio.wait_for(stream.__anext__(), PATIENCE))
        await stream.aclose()
        return got

    got = asyncio.run(run())
    assert b"id: " in got[1] and b"id: " in got[2]
    assert calls[1] == calls[2] != calls[0]  # the failed version computed again, and sent
    assert f"id: {calls[2]}".encode() in got[2]


KEY = ("2025S2", "vi")


def _fake_hub(store: Store, versions: list[str], **settings: float) -> Hub:
    """A hub whose data version is ``versions[0]`` (a test moves it) and whose boards are
    made at once."""
    got = {"poll": 0.001, "heartbeat": 60.0, "lifetime": 600.0, **settings}
    hub = Hub(store, StreamSettings(**got), make=lambda _s, _p, _l, v: _board(v))

    async def version() -> str:
        return versions[0]

    hub._version = version  # type: ignore[method-assign]
    return hub


def test_a_revoked_link_ends_its_stream_while_updates_keep_coming(store: Store) -> None:
    """Item 1 of the review: the guard is asked every heartbeat period even when an update
    arrives before each heartbeat would be due (before: never asked, the stream went on)."""
    link = make_link(store, "2025S2", "Điểm cầu", "admin", base="")
    versions = ["1"]
    hub = _fake_hub(store, versions, heartbeat=0.5)
    asked: list[bool] = []

    async def guard() -> bool:
        asked.append(await asyncio.to_thread(still_valid, store, link.token))
        return asked[-1]

    async def run() -> int:
        stream = hub.stream(KEY, "", guard)
        await stream.__anext__()
        await stream.__anext__()  # the whole board
        await asyncio.to_thread(revoke, store, link.id, "admin")
        versions[0] = "2"
        got = 0
        async for chunk in stream:  # each update read brings the next: never a quiet moment
            got += chunk.startswith(b"id: ")
            versions[0] = str(int(versions[0]) + 1)
        return got

    got = asyncio.run(asyncio.wait_for(run(), PATIENCE))
    assert got >= 1 and asked == [False]  # updates went on until the first check ended it


def test_a_tick_that_read_an_older_version_sends_nothing_older(store: Store) -> None:
    """Item 3: a client connects at v2 while a tick holds v1 (forced: the tick is run by hand
    with the store's answer "1" after the client got "2"); the client never gets v1, and the
    board's kept state stays v2, then v3 comes as a change from v2."""
    versions = ["2"]
    hub = _fake_hub(store, versions)

    async def idle(_lp: object) -> None:
        await asyncio.Event().wait()  # no watcher of its own: the ticks are run by hand

    hub._watch = idle  # type: ignore[method-assign,assignment]

    async def guard() -> bool:
        return True

    async def run() -> list[bytes]:
        stream = hub.stream(KEY, "", guard)
        await stream.__anext__()
        got = [await stream.__anext__()]
        lp = hub._here()
        versions[0] = "1"
        await hub._tick(lp)  # the tick that read v1 before the client came
        assert hub.states[KEY].version == "2"
        versions[0] = "3"
        await hub._tick(lp)
        got.append(await asyncio.wait_for(stream.__anext__(), PATIENCE))
        await stream.aclose()
        await hub.close()
        return got

    first, nxt = asyncio.run(run())
    assert first.startswith(b"id: 2\n")
    assert nxt.startswith(b"id: 3\n") and b'"base":"2"' in nxt


def test_one_failing_board_does_not_stop_the_others(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    """Item 4: the English board fails at every version after the first; the Vietnamese one
    gets each update all the same, and the failure is logged once."""
    versions = ["1"]
    hub = _fake_hub(store, versions)

    def make(_s: Store, _p: Period, lang: str, version: str) -> BoardState:
        if lang == "en" and version != "1":
            raise OSError("the English board is broken")
        return _board(version)

    hub.make = make

    async def guard() -> bool:
        return True

    async def run() -> list[bytes]:
        broken = hub.stream(("2025S2", "en"), "", guard)
        await broken.__anext__()
        await broken.__anext__()
        good = hub.stream(KEY, "", guard)
        await good.__anext__()
        got = [await good.__anext__()]
        for v in ("2", "3"):
            versions[0] = v
            got.append(await asyncio.wait_for(good.__anext__(), PATIENCE))
        await good.aclose()
        await broken.aclose()
        await hub.close()
        return got

    with caplog.at_level(logging.WARNING, "chitieu.web"):
        got = asyncio.run(run())
    assert [g.split(b"\n")[0] for g in got] == [b"id: 1", b"id: 2", b"id: 3"]
    failed = [r for r in caplog.records if "2025S2/en failed" in r.getMessage()]
    assert len(failed) == 1


def test_a_board_without_clients_is_forgotten(store: Store) -> None:
    """Item 10: the kept state, lock and sent version of a board go with its last client."""
    hub = _fake_hub(store, ["1"])

    async def guard() -> bool:
        return True

    async def run() -> None:
        streams = [hub.stream(KEY, "", guard) for _ in range(2)]
        for s in streams:
            await s.__anext__()
            await s.__anext__()
        lp = hub._here()
        assert KEY in hub.states and KEY in lp.locks
        await streams[0].aclose()
        assert KEY in hub.states  # one client is left
        await streams[1].aclose()
        assert KEY not in hub.states and KEY not in lp.locks and KEY not in lp.sent
        await hub.state(("2025S1", "en"))  # a page, no stream: nothing kept
        assert hub.states == {}
        await hub.close()

    asyncio.run(run())


def test_a_watcher_that_dies_is_started_again(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    """Item 8: a watcher ended by a fault is logged and started again, and its clients get
    the next update; a watcher cancelled at shutdown stays stopped."""
    versions = ["1"]
    hub = _fake_hub(store, versions)
    watch = hub._watch
    runs: list[int] = []

    async def dies_once(lp: Any) -> None:
        runs.append(1)
        if len(runs) == 1:
            raise RuntimeError("the watcher's bug")
        await watch(lp)

    hub._watch = dies_once  # type: ignore[method-assign]

    async def guard() -> bool:
        return True

    async def run() -> bytes:
        stream = hub.stream(KEY, "", guard)
        await stream.__anext__()
        await stream.__anext__()
        versions[0] = "2"
        got = await asyncio.wait_for(stream.__anext__(), PATIENCE)
        await stream.aclose()
        task = hub._here().task
        await hub.close()
        assert task is not None and task.cancelled() and hub._here().task is not task
        return got

    with caplog.at_level(logging.ERROR, "chitieu.web"):
        got = asyncio.run(run())
    assert got.startswith(b"id: 2\n") and len(runs) >= 2
    assert any("watcher stopped" in r.getMessage() for r in caplog.records)


def test_a_tick_that_hangs_is_given_up(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    """Item 8: a poll that never answers is given up after CHITIEU_SSE_TICK_SECONDS, logged,
    and the next poll brings the update."""
    versions = ["1"]
    hub = _fake_hub(store, versions, tick=0.05)
    hang = asyncio.Event()
    plain = hub._version

    async def version() -> str:
        if versions[0] == "2" and not hang.is_set():
            hang.set()
            await asyncio.Event().wait()  # the store does not answer
        return await plain()

    hub._version = version  # type: ignore[method-assign]

    async def guard() -> bool:
        return True

    async def run() -> bytes:
        stream = hub.stream(KEY, "", guard)
        await stream.__anext__()
        await stream.__anext__()
        versions[0] = "2"
        got = await asyncio.wait_for(stream.__anext__(), PATIENCE)
        await stream.aclose()
        await hub.close()
        return got

    with caplog.at_level(logging.WARNING, "chitieu.web"):
        got = asyncio.run(run())
    assert hang.is_set() and got.startswith(b"id: 2\n")
    assert any("did not answer" in r.getMessage() for r in caplog.records)
