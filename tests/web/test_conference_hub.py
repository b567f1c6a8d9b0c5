"""The event hub alone (``web/events.py``), in one event loop: a board whose computation fails
(a fault of the store) is tried again at the next poll, not skipped for that version."""

from __future__ import annotations

import asyncio

from tests.web.live import PATIENCE

from chitieu.catalog.periods import Period
from chitieu.store.values import NewValue, Store
from chitieu.web.conference_data import BoardState, event
from chitieu.web.events import Hub, StreamSettings


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
