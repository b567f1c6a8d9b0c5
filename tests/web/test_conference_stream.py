"""The conference board's event stream (issue 22 items 3 and 6) against a real ``chitieu
serve`` on both backends: an update reaches the clients when a value is written through the
API; ``Last-Event-ID``; heartbeats; viewer links allowed, refused for another period, refused
once revoked (and an open stream of a revoked link ends); two worker processes, a client on
each, both receive the update. Every wait is on an event of the stream (PATIENCE is only the
safety net)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from tests.web.conftest import OWN, WebEnv, make_env
from tests.web.live import PATIENCE, LiveServer
from tests.web.sse import Stream

from chitieu.web.viewer import make_link, revoke

PERIOD = "2025S2"  # today's 34 provinces (the fixtures' values are of 2025S1)
FAST = {"CHITIEU_SSE_HEARTBEAT_SECONDS": "0.3", "CHITIEU_SSE_POLL_SECONDS": "0.2"}


@pytest.fixture
def env(db_url: str) -> Iterator[WebEnv]:
    got = make_env(db_url)
    yield got
    got.store.engine.dispose()


@pytest.fixture
def live(env: WebEnv, db_url: str) -> Iterator[LiveServer]:
    srv = LiveServer(db_url, FAST)
    yield srv
    srv.stop()


def base(srv: LiveServer) -> str:
    return f"http://127.0.0.1:{srv.port}"


def write(srv: LiveServer, env: WebEnv, value: float, unit: str = OWN) -> None:
    """A value written through the API (the analyst's token)."""
    one = {"indicator": "ICT_REVENUE", "unit": unit, "period": PERIOD, "value": value,
           "kind": "actual"}  # fmt: skip
    r = httpx.post(
        base(srv) + "/api/v1/values",
        json={"values": [one]},
        headers={"Authorization": f"Bearer {env.tokens['analyst']}"},
        timeout=60,
    )
    assert r.status_code in (200, 201), r.text


def analyst(srv: LiveServer, env: WebEnv, **headers: str) -> Stream:
    auth = {"Authorization": f"Bearer {env.tokens['analyst']}", **headers}
    return Stream(f"{base(srv)}/conference/{PERIOD}/events", headers=auth)


def has_value(value: float, unit: str = OWN):  # type: ignore[no-untyped-def]
    key = f"ICT_REVENUE@{unit}"
    return lambda d: d["figures"].get(key, {}).get("value") == value


def test_a_write_reaches_the_stream_and_last_event_id(live: LiveServer, env: WebEnv) -> None:
    s = analyst(live, env)
    try:
        assert s.status == 200 and s.content_type.startswith("text/event-stream")
        first = s.wait_board(lambda d: True)
        assert first["base"] == "" and "headline" in first["parts"]  # the whole board at once
        write(live, env, 1234.5)
        got = s.wait_board(has_value(1234.5), after=1)
        assert got is not None, s.events[-5:]
        assert got["base"] == first["version"] and got["version"] != first["version"]
        assert set(got["parts"]) >= {"rank-ICT_REVENUE", "map-ICT_REVENUE"}
        assert "1.235" in got["parts"]["rank-ICT_REVENUE"]  # Vietnamese by default (0 decimals)
        assert s.boards()[-1].id == got["version"]  # id: is the data version
    finally:
        s.close()
    # reconnecting with the current version: nothing is sent until the next change, which
    # comes as a change from that version (not the whole board)
    again = analyst(live, env, **{"Last-Event-ID": got["version"]})
    stale = analyst(live, env, **{"Last-Event-ID": first["version"]})
    try:
        assert stale.wait_board(lambda d: d["version"] == got["version"])["base"] == ""
        write(live, env, 2222.0)
        nxt = again.wait_board(lambda d: True)
        assert nxt["base"] == got["version"] and has_value(2222.0)(nxt), again.events
    finally:
        again.close()
        stale.close()


def test_heartbeats_and_who_may_watch(live: LiveServer, env: WebEnv) -> None:
    s = analyst(live, env)
    try:
        assert s.wait(lambda: s.heartbeats() >= 2)
    finally:
        s.close()
    url = f"{base(live)}/conference/{PERIOD}/events"
    rep = httpx.get(url, headers={"Authorization": f"Bearer {env.tokens['reporter']}"})
    assert rep.status_code == 403
    anon = httpx.get(url, follow_redirects=False)
    assert anon.status_code == 303 and anon.headers["location"].startswith("/login")


def test_viewer_links(live: LiveServer, env: WebEnv) -> None:
    link = make_link(env.store, PERIOD, "Điểm cầu Hà Nội", "admin", base=base(live))
    assert link.url == f"{base(live)}/conference/{PERIOD}?token={link.token}"
    page = httpx.get(link.url)
    assert page.status_code == 200 and "data-events" in page.text
    m = re.search(r'data-events="([^"]+)"', page.text)
    assert m and link.token in m.group(1)
    s = Stream(base(live) + m.group(1).replace("&amp;", "&"))
    try:
        assert s.status == 200 and s.wait_board(lambda d: True) is not None
        other = httpx.get(f"{base(live)}/conference/2025S1?token={link.token}")
        assert other.status_code == 403 and "2025S2" in other.text
        for path in ("/dashboard", "/api/v1/values?period=2025S1", "/report?period=2025S1"):
            assert httpx.get(f"{base(live)}{path}&token={link.token}".replace("d&", "d?")
                             if "?" not in path else f"{base(live)}{path}&token={link.token}",
                             follow_redirects=False).status_code in (303, 401)  # fmt: skip
        revoke(env.store, link.id, "admin")
        refused = httpx.get(link.url)
        assert refused.status_code == 403
        assert "thu hồi" in refused.text and "revoked" in refused.text  # both languages
        assert s.wait(lambda: s.ended)  # the open stream ends at its next heartbeat
    finally:
        s.close()


def test_two_workers_each_client_gets_the_update(env: WebEnv, db_url: str) -> None:
    srv = LiveServer(db_url, FAST, args=("--workers", "2"))
    streams: dict[str, Stream] = {}
    try:
        for _ in range(2):  # each worker listens once its app has started
            started = srv.wait_for("Application startup complete")
            srv.lines[srv.lines.index(started.string)] = "(seen)"
        for _ in range(40):  # connections until both workers hold one
            s = analyst(srv, env)
            s.wait(lambda s=s: any(e.comment.startswith("stream ") for e in s.events))
            name = next(e.comment for e in s.events if e.comment.startswith("stream "))
            if name in streams:
                s.close()
            else:
                streams[name] = s
            if len(streams) == 2:
                break
        assert len(streams) == 2, "the two workers did not both take a connection"
        for s in streams.values():
            assert s.wait_board(lambda d: True) is not None
        write(srv, env, 3456.0)
        for s in streams.values():
            assert s.wait_board(has_value(3456.0)) is not None, s.events[-3:]
    finally:
        for s in streams.values():
            s.close()
        srv.stop()


def test_a_server_with_open_streams_stops(env: WebEnv, db_url: str) -> None:
    """Open streams never end by themselves: a stopping server ends them after
    CHITIEU_SHUTDOWN_TIMEOUT instead of waiting for ever (the browser reconnects)."""
    srv = LiveServer(db_url, {**FAST, "CHITIEU_SHUTDOWN_TIMEOUT": "0.5"})
    s = analyst(srv, env)
    try:
        assert s.wait_board(lambda d: True) is not None
        srv.proc.terminate()
        assert srv.proc.wait(PATIENCE) in (0, -15)  # uvicorn re-raises the signal it handled
        assert srv.find("Finished server process") is not None
        assert s.wait(lambda: s.ended)
    finally:
        s.close()
        srv.stop()
