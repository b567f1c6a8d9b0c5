"""Page weight: the bytes Chromium transfers for the dashboard and the report page.

Run: ``.venv/bin/python -m bench.bench_weight [--db sqlite:///demo.db] [--no-doc]``. It loads
the demo into a fresh SQLite store (unless ``--db`` names one that holds it), serves it with
``chitieu serve`` on a free loopback port, signs in as the demo's analyst in Debian's Chromium
(Playwright, never a downloaded browser), then for each page opens it twice in the same
browser context: the first load (empty cache) and a repeat (a new navigation to the same URL:
what is cached is not asked for again). Bytes are counted, not timed: the sum of Chromium's
``encodedDataLength`` (headers and body as they crossed the wire, compressed) of every
response of the navigation, from the DevTools protocol. The first render (first contentful
paint) is reported beside, for information. Targets (issue 20): first load ≤ 500 kB, repeat
≤ 30 kB, for both pages. Updates the section "Page weight (bench/bench_weight.py)" of
docs/PERFORMANCE.md; exits 1 if a page is over a limit.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bench.perfdoc import machine, update_section

ROOT = Path(__file__).resolve().parent.parent
HEADING = "## Page weight (bench/bench_weight.py)"
PAGES = {"dashboard": "/dashboard?period=2023S1", "report": "/report?period=2023S1"}
LIMITS = {"first": 500_000, "repeat": 30_000}
USER, PASSWORD = "analyst", "analyst-demo-2023"


@dataclass
class Load:
    """One navigation: bytes on the wire, responses, which came from the cache."""

    bytes: int = 0
    responses: int = 0
    cached: int = 0
    first_paint_ms: float = 0.0
    encodings: dict[str, str] = field(default_factory=dict)


def measure(page: Any, cdp: Any, url: str) -> Load:
    """Navigate to ``url`` and count what crossed the wire."""
    got = Load()
    sizes: dict[str, int] = {}
    cached: set[str] = set()
    names: dict[str, str] = {}

    def finished(e: dict[str, Any]) -> None:
        sizes[e["requestId"]] = int(e["encodedDataLength"])

    def response(e: dict[str, Any]) -> None:
        r = e["response"]
        names[e["requestId"]] = r["url"].split("/")[-1][:40]
        enc = {k.lower(): v for k, v in r.get("headers", {}).items()}.get("content-encoding", "-")
        got.encodings[names[e["requestId"]]] = enc
        if r.get("fromDiskCache") or r.get("fromMemoryCache"):
            cached.add(e["requestId"])

    def served_from_cache(e: dict[str, Any]) -> None:
        cached.add(e["requestId"])

    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.responseReceived", response)
    cdp.on("Network.requestServedFromCache", served_from_cache)
    page.goto(url, wait_until="load")
    for _ in range(100):  # every response's loadingFinished (each call into the page pumps
        if set(names) <= set(sizes) | cached:  # the protocol's events): no sleep
            break
        page.evaluate("0")
    got.bytes = sum(sizes.values())
    got.responses = len(sizes)
    got.cached = len(cached)
    page.wait_for_function(
        "() => performance.getEntriesByName('first-contentful-paint').length > 0", timeout=30_000
    )
    got.first_paint_ms = float(
        page.evaluate(
            "() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || 0"
        )
    )
    for ev, fn in (("Network.loadingFinished", finished), ("Network.responseReceived", response),
                   ("Network.requestServedFromCache", served_from_cache)):  # fmt: skip
        cdp.remove_listener(ev, fn)
    return got


def run(base: str) -> dict[str, dict[str, Load]]:
    """First load and repeat of every page, in one signed-in Chromium context."""
    from playwright.sync_api import sync_playwright
    from tests.chromium import CHROMIUM_ARGS

    out: dict[str, dict[str, Load]] = {}
    with sync_playwright() as p:
        exe = shutil.which("chromium")
        if exe is None:
            sys.exit("Debian's chromium is not installed")
        browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        for name, path in PAGES.items():
            ctx = browser.new_context(viewport={"width": 1366, "height": 800})
            page = ctx.new_page()
            page.goto(base + "/login")
            page.fill("input[name=username]", USER)
            page.fill("input[name=password]", PASSWORD)
            page.click("form[action='/login'] button[type=submit]")
            page.wait_for_url(base + "/")
            page.goto("about:blank")
            cdp = ctx.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.clearBrowserCache")  # the sign-in pages' style sheet too
            first = measure(page, cdp, base + path)
            page.goto("about:blank")
            repeat = measure(page, cdp, base + path)
            out[name] = {"first": first, "repeat": repeat}
            ctx.close()
        browser.close()
    return out


def _serve(db: str) -> tuple[subprocess.Popen[str], str]:
    from tests.web.live import LiveServer

    srv = LiveServer(db)
    return srv.proc, f"http://127.0.0.1:{srv.port}"


def report(results: dict[str, dict[str, Load]]) -> tuple[str, bool]:
    """The Markdown section and whether every page is within its limits."""
    ok = True
    lines = [
        f"Latest run: {date.today().isoformat()}, `python -m bench.bench_weight`; "
        f"{machine().get('cpu', '')}.",
        "",
        "Demo store; Debian's Chromium at 1366×800 through Playwright; bytes are Chromium's "
        "`encodedDataLength` summed over every response of the navigation (headers and "
        "compressed bodies as they crossed loopback). Repeat: a new navigation to the same "
        "URL in the same context. Limits (issue 20): first load ≤ 500 kB, repeat ≤ 30 kB. "
        "Before issue 20 each page loaded plotly.min.js (4,816,417 bytes, uncompressed, not "
        "fingerprinted): 4.9 MB per first load. Now the charts are SVG written by the server, "
        "the style sheets are fingerprinted (cached a year, `immutable`) and everything is "
        "sent with brotli. First paint: first contentful paint, timed, for information only.",
        "",
        "| page | load | bytes | limit | responses | from cache | first paint | encodings |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, loads in results.items():
        for kind, ld in loads.items():
            within = ld.bytes <= LIMITS[kind]
            ok &= within
            enc = ", ".join(f"{k or '/'}: {v}" for k, v in sorted(ld.encodings.items()))
            lines.append(
                f"| {name} (`{PAGES[name]}`) | {kind} | {ld.bytes:,} | {LIMITS[kind]:,} "
                f"{'✓' if within else '✗'} | {ld.responses} | {ld.cached} | "
                f"{ld.first_paint_ms:.0f} ms | {enc} |"
            )
    return "\n".join(lines) + "\n", ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", help="a store that holds the demo (default: a new one)")
    ap.add_argument("--no-doc", action="store_true", help="do not update docs/PERFORMANCE.md")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="chitieu-weight-") as tmp:
        db = args.db
        if db is None:
            from chitieu.demo.build import load_demo
            from chitieu.store.values import Store

            db = f"sqlite:///{Path(tmp) / 'demo.db'}"
            store = Store(db)
            load_demo(store)
            store.engine.dispose()
        proc, base = _serve(db)
        try:
            results = run(base)
        finally:
            proc.terminate()
            proc.wait(15)
    text, ok = report(results)
    print(text)
    if not args.no_doc:
        update_section(ROOT / "docs" / "PERFORMANCE.md", HEADING, text)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
