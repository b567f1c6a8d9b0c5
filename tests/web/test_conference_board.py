"""The conference board in-process (uvicorn in a thread, SQLite): a signed-in presenter's
session is kept alive by the stream's heartbeats while the board is open, a viewer link is not
subject to the session idle timeout (issue 22 item 6), and — in Debian's Chromium — the board
changes without a reload when a value is written through the API, with a 1920×1080 screenshot.
The sessions' clock is moved by hand, never waited for."""

from __future__ import annotations

import re
import shutil
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from tests.chromium import CHROMIUM_ARGS
from tests.web.conftest import OWN, PASSWORD, WebEnv, make_env
from tests.web.sse import Stream

from chitieu.store.db import utcnow
from chitieu.web.events import StreamSettings
from chitieu.web.viewer import make_link

PERIOD = "2025S2"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[WebEnv, str]]:
    import uvicorn

    env = make_env(f"sqlite:///{tmp_path / 'board.db'}")
    env.app.state.hub.settings = StreamSettings(poll=0.2, heartbeat=0.3)  # type: ignore[attr-defined]
    port = _free_port()
    srv = uvicorn.Server(
        uvicorn.Config(env.app, host="127.0.0.1", port=port, log_level="warning")  # type: ignore[arg-type]
    )
    started = threading.Event()
    real_startup = srv.startup

    async def startup(sockets=None):  # type: ignore[no-untyped-def]
        await real_startup(sockets)
        started.set()

    srv.startup = startup  # type: ignore[method-assign]
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    assert started.wait(60)
    yield env, f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)
    env.store.engine.dispose()


def sign_in(base: str, user: str) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=60)
    page = c.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    r = c.post("/login", data={"username": user, "password": PASSWORD,
                               "csrf_token": token.group(1)})  # fmt: skip
    assert r.status_code in (200, 303), r.text[:300]
    return c


def test_heartbeats_keep_the_session_and_viewer_links_have_no_idle_timeout(served) -> None:  # type: ignore[no-untyped-def]
    env, base = served
    sessions = env.app.state.sessions  # type: ignore[attr-defined]
    idle = timedelta(minutes=sessions.idle)
    start = utcnow()
    c = sign_in(base, "analyst")
    link = make_link(env.store, PERIOD, "điểm cầu", "admin", base=base)
    # half the idle time has gone by: the board's heartbeats count as activity
    sessions.clock = lambda: start + idle / 2
    s = Stream(f"{base}/conference/{PERIOD}/events", cookies=dict(c.cookies))
    try:
        assert s.status == 200
        assert s.wait(lambda: s.heartbeats() >= 2)
    finally:
        s.close()
    # past the idle time since sign-in (no page was loaded): the session is still open
    sessions.clock = lambda: start + idle * 1.2
    page = c.get(f"/conference/{PERIOD}", follow_redirects=False)
    assert page.status_code == 200, page.headers
    # a whole day later: the session has ended, the viewer link has not
    sessions.clock = lambda: start + timedelta(days=1)
    assert c.get(f"/conference/{PERIOD}", follow_redirects=False).status_code == 303
    assert httpx.get(link.url, timeout=60).status_code == 200


@pytest.mark.browser
def test_the_board_changes_without_reload(served, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    env, base = served
    exe = shutil.which("chromium")
    if exe is None:
        pytest.fail("Debian's chromium is not installed (scripts/setup.sh installs it)")
    link = make_link(env.store, PERIOD, "điểm cầu", "admin", base=base)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        page = b.new_page(viewport={"width": 1920, "height": 1080})
        page.goto(link.url + "&kiosk=1&every=600")
        page.wait_for_selector("#headline", state="attached")
        before = page.evaluate("document.body.getAttribute('data-version')")
        page.evaluate("window.__same = true")  # gone if the page reloads
        r = httpx.post(
            base + "/api/v1/values",
            json={
                "values": [
                    {
                        "indicator": "ICT_REVENUE",
                        "unit": OWN,
                        "period": PERIOD,
                        "value": 4321.0,
                        "kind": "actual",
                    }
                ]
            },
            headers={"Authorization": f"Bearer {env.tokens['analyst']}"},
            timeout=60,
        )
        assert r.status_code in (200, 201), r.text
        page.wait_for_function("v => document.body.getAttribute('data-version') !== v", arg=before)
        page.keyboard.press("ArrowRight")  # the presenter's key: the ranking
        page.keyboard.press("p")  # rotation paused
        rank = page.locator("#rank-ICT_REVENUE")
        rank.get_by_text("4.321").wait_for()
        assert page.evaluate("window.__same") is True
        assert page.get_attribute("body", "data-current") == "ranking ICT_REVENUE"
        assert page.get_attribute("#cf-pause", "aria-pressed") == "true"
        shot = tmp_path / "conference-1920x1080.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000
        page.keyboard.press("ArrowRight")  # the map: the province's tile holds the value
        tile = page.locator(f'#map-ICT_REVENUE a[data-unit="{OWN}"]')
        assert tile.get_attribute("data-value") == "4321.0"
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowLeft")
        assert page.get_attribute("body", "data-current") == "figures ICT_REVENUE"
        b.close()


def test_a_version_is_computed_once_for_every_client(served) -> None:  # type: ignore[no-untyped-def]
    """Five clients of one board: the first computes it, the others share it; a write makes
    one computation in the process, whose event reaches all five."""
    env, base = served
    hub = env.app.state.hub  # type: ignore[attr-defined]
    auth = {"Authorization": f"Bearer {env.tokens['analyst']}"}
    streams = [Stream(f"{base}/conference/{PERIOD}/events", headers=auth) for _ in range(5)]
    try:
        for s in streams:
            assert s.wait_board(lambda d: True) is not None
        before = hub.computed
        r = httpx.post(
            base + "/api/v1/values",
            json={
                "values": [
                    {
                        "indicator": "ICT_REVENUE",
                        "unit": OWN,
                        "period": PERIOD,
                        "value": 777.0,
                        "kind": "actual",
                    }
                ]
            },
            headers=auth,
            timeout=60,
        )
        assert r.status_code in (200, 201), r.text
        key = f"ICT_REVENUE@{OWN}"
        for s in streams:
            assert s.wait_board(lambda d: d["figures"].get(key, {}).get("value") == 777.0)
        assert hub.computed == before + 1
        assert hub.clients() == 5
    finally:
        for s in streams:
            s.close()
