"""What the browser tests of the entry pages, the queue and the accessibility check share: a
server on a free loopback port, Debian's Chromium, signing in, and axe-core (vendored under
tests/vendor/axe-core, MPL-2.0: nothing is fetched)."""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from tests.chromium import CHROMIUM_ARGS

AXE = Path(__file__).parent.parent / "vendor" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(store: Any) -> Iterator[str]:
    """uvicorn serving the app on ``store``; yields its base URL."""
    import uvicorn

    from chitieu.web.app import create_app

    port = _free_port()
    config = uvicorn.Config(
        create_app(store=store), host="127.0.0.1", port=port, log_level="warning"
    )
    srv = uvicorn.Server(config)
    started = threading.Event()
    orig = srv.startup

    async def startup(*a: Any, **k: Any) -> None:
        await orig(*a, **k)
        started.set()

    srv.startup = startup  # type: ignore[method-assign]
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    assert started.wait(60), "the server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium through Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    exe = shutil.which("chromium")
    if exe is None:
        pytest.fail("Debian's chromium is not installed (scripts/setup.sh installs it)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def context(browser: Any, size: dict[str, int], lang: str = "vi", **kw: Any) -> Any:
    """A browser context of ``size`` (a phone's is mobile) in the page language ``lang``;
    the page's own script policy is bypassed only so that the test may inject axe-core."""
    ctx = browser.new_context(
        viewport=size, is_mobile=size == PHONE, bypass_csp=True, accept_downloads=True, **kw
    )
    return ctx


def sign_in(page: Any, base: str, user: str, password: str, lang: str = "vi") -> None:
    """Sign in through the login form (and pick the language)."""
    page.goto(f"{base}/lang/{lang}?next=/login")
    page.goto(base + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(base + "/")


def axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's critical and serious violations on the page as it stands."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("critical", "serious")
    ]


def fits(page: Any) -> bool:
    """No part of the page is wider than the viewport."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))
