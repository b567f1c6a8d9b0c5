"""The reliability suite, web server part (issue 15): a header flood refused with 431 after at
most the limit's bytes (counted, through a real ``chitieu serve``) while other clients are
served, slow and idle connections closed, ``/healthz`` and ``/readyz``, an idle session
refused, overlong comments refused on every path, ``Allow`` on 405, dates checked on the API's
query parameters, and a batch's 403 naming its rows — on SQLite and PostgreSQL where a store is
involved. The count of cases tried and passed is printed at the end (docs/RELIABILITY.md)."""

from __future__ import annotations

import io
import json
import warnings
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from tests.faults import CutProxy, count_rows, say
from tests.web.conftest import FOREIGN, FORM, OWN, PERIOD, csrf, make_env
from tests.web.live import Flood, LiveServer, status_of
from typer.testing import CliRunner

from chitieu.cli.main import app as cli
from chitieu.store import sessions as session_repo
from chitieu.store.db import utcnow
from chitieu.store.values import NewValue
from chitieu.web.sessions import digest

warnings.filterwarnings("ignore", message=".*httpx2.*")

TRIED: Counter[str] = Counter()
PASSED: Counter[str] = Counter()
#: the live server's limits: small, so that a test sends little
HEADER_LIMIT = 8192
LIVE_ENV = {
    "CHITIEU_MAX_HEADER_BYTES": str(HEADER_LIMIT),
    "CHITIEU_HEADER_TIMEOUT": "1",
    "CHITIEU_KEEPALIVE_TIMEOUT": "1",
}
#: the server's log line of a refused header section: bytes read, and bytes parsed
REFUSED = r"refused with 431 after reading (\d+) bytes \((\d+) of them"
#: one read of the server's event loop (uvloop reads up to 256 KiB at a time)
ONE_READ = 256 * 1024
ENTRY = f"/entry/{FORM}/{OWN}/{PERIOD}"
SUBMISSION = f"/api/v1/submissions/{FORM}/{OWN}/{PERIOD}"
LIMIT = 2000  # CHITIEU_MAX_COMMENT_CHARS's default


def _backend(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


class Cases:
    """The cases of one test: each tallied, the failures said together at the end."""

    def __init__(self, area: str, url: str = "sqlite") -> None:
        self.key = f"{area} {_backend(url)}"
        self.problems: list[str] = []

    def check(self, name: str, ok: bool, detail: object = "") -> None:
        TRIED[self.key] += 1
        PASSED[self.key] += bool(ok)
        if not ok:
            self.problems.append(f"{name}: {str(detail)[:400]}")

    def done(self) -> None:
        assert not self.problems, "\n".join(self.problems)


def _get(path: str, extra: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: t\r\n{extra}\r\n".encode()


def _peak_rss(pid: int) -> int:
    """The peak resident memory of a process, in bytes (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


@pytest.fixture
def live(db_url):  # type: ignore[no-untyped-def]
    env = make_env(db_url)  # accounts, tokens and a few values
    env.store.engine.dispose()
    server = LiveServer(db_url, LIVE_ENV)
    yield server, env
    server.stop()


def test_header_limits_through_a_real_server(live, db_url):
    """Before: no limit — the parser took a 160 MB header whole (every other request of the
    worker waited, 441 MB resident), and a slow or silent connection was held for ever."""
    server, env = live
    cases = Cases("server", db_url)
    head = b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Pad: "
    # one byte more than the limit, and the headers not ended: answered 431 with nothing
    # more sent — the server answered after reading exactly limit + 1 bytes
    mark = len(server.lines)
    got = server.request(head + b"a" * (HEADER_LIMIT + 1 - len(head)))
    cases.check("limit + 1 bytes: 431", status_of(got) == 431, got[:200])
    line = server.find(REFUSED, mark)
    counted = (int(line.group(1)), int(line.group(2))) if line else None
    cases.check("limit + 1 read, limit parsed", counted == (HEADER_LIMIT + 1, HEADER_LIMIT), line)
    error = got.partition(b"\r\n\r\n")[2].decode(errors="replace")
    cases.check("431 in vi and en", "8.192" in error and "8,192" in error, error)
    # a header section of exactly the limit is served
    end = b"\r\n\r\n"
    got = server.request(head + b"a" * (HEADER_LIMIT - len(head) - len(end)) + end)
    cases.check("exactly the limit: 200", status_of(got) == 200, got[:200])
    _flood(server, env, cases)
    # a header sent too slowly: 408 once the header timeout has passed (the server decides)
    got = server.request(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")
    cases.check("slow header: 408", status_of(got) == 408, got[:200])
    # a connection that sends nothing is closed after the idle timeout (nothing answered)
    got = server.request(b"")
    cases.check("silent connection closed", got == b"", got[:200])
    got = server.request(_get("/readyz"))
    cases.check("the server answers after", status_of(got) == 200, got[:200])
    cases.done()


def _flood(server: LiveServer, env, cases: Cases) -> None:  # type: ignore[no-untyped-def]
    """32 MiB of one header on one connection; once it has sent four times the limit, other
    clients ask and are answered; the flood is answered 431 after at most the limit parsed
    (and one read of the socket), and the server's memory does not grow with it."""
    token = env.tokens["reporter"]
    peak = _peak_rss(server.proc.pid)
    mark = len(server.lines)
    flood = Flood(server.port, total=32 << 20, mark=4 * HEADER_LIMIT)
    flood.past.wait()
    answers = [
        status_of(server.request(_get(p, f"Authorization: Bearer {token}\r\n")))
        for p in ("/healthz", "/readyz", "/api/v1/me", f"/api/v1/submissions/{FORM}/{OWN}/{PERIOD}")
    ]
    cases.check("others served during the flood", answers == [200, 200, 200, 200], answers)
    flood.done.wait()
    cases.check("flood: 431", status_of(flood.answer) == 431, (flood.sent, flood.answer[:200]))
    line = server.find(REFUSED, mark)
    read, parsed = (int(line.group(1)), int(line.group(2))) if line else (-1, -1)
    cases.check("flood: at most the limit parsed", 0 <= parsed <= HEADER_LIMIT, line)
    cases.check("flood: at most one read more", 0 <= read <= HEADER_LIMIT + ONE_READ, line)
    grew = _peak_rss(server.proc.pid) - peak
    cases.check("flood: memory did not grow with it", grew < 16 << 20, f"{grew} bytes")


def test_health_endpoints(db_url, tmp_path):
    """Before: no health endpoint (404 to an operator's probe)."""
    cases = Cases("health", db_url)
    proxy = CutProxy(db_url) if db_url.startswith("postgresql") else None
    env = make_env(proxy.url if proxy else db_url)
    anon = env.api()
    live = anon.get("/healthz")
    cases.check("healthz 200, anonymous", live.status_code == 200 and live.json()["ok"], live.text)
    ready = anon.get("/readyz")
    cases.check(
        "readyz 200", ready.status_code == 200 and ready.json()["status"] == "ready", ready.text
    )
    doc = anon.get("/openapi.json").json()["paths"]
    cases.check("in the OpenAPI document", {"/healthz", "/readyz"} <= set(doc), sorted(doc))
    if proxy is not None:
        proxy.cut()  # the database server goes away
        want = "store-gone"
    else:
        env.store.engine.dispose()
        Path(env.store.engine.url.database or "").write_bytes(b"not a database" * 512)
        want = "store-corrupt"
    down = anon.get("/readyz")
    body = down.json()
    cases.check(
        "readyz 503 names the fault",
        down.status_code == 503
        and body.get("fault") == want
        and body.get("error")
        and down.headers.get("retry-after"),
        down.text,
    )
    live = anon.get("/healthz")
    cases.check("healthz 200 without the store", live.status_code == 200, live.text)
    env.store.engine.dispose()
    cases.done()


def test_an_idle_session_is_refused(db_url):
    """Before: a session lived 10 hours after sign-in whatever happened (no idle timeout)."""
    cases = Cases("sessions", db_url)
    env = make_env(db_url)
    sessions = env.app.state.sessions  # type: ignore[attr-defined]
    start = utcnow()
    now = [start]
    sessions.clock = lambda: now[0]
    c = env.browser("reporter")
    raw = _raw_sid(c)
    sid = digest(raw)

    def at(minutes: float) -> int:
        now[0] = start + timedelta(minutes=minutes)
        return c.get("/", follow_redirects=False).status_code

    def stored() -> object:
        row = session_repo.session_row(env.store, sid)
        return row.expires_at if row else None

    cases.check("used after 30 min", at(30) == 200)
    cases.check("used after 89 min (59 after the last)", at(89) == 200)
    ends = stored()
    for seconds in (10, 20, 50):  # within a minute of the last write: no write
        at(89 + seconds / 60)
    cases.check("one write a minute at most", stored() == ends, (ends, stored()))
    at(90.5)
    cases.check("written again after a minute", stored() != ends, (ends, stored()))
    cases.check("the hook marks activity", sessions.mark_active(raw) is True)
    now[0] = start + timedelta(minutes=90.5 + 61)
    api = c.get("/api/v1/me")
    cases.check("idle 61 min: the API refuses it (401)", api.status_code == 401, api.text)
    page = c.get("/", follow_redirects=False)
    cases.check(
        "idle 61 min: sign in again",
        page.status_code == 303 and page.headers["location"].startswith("/login"),
        page.status_code,
    )
    cases.check("the hook says it ended", sessions.mark_active(raw) is False)
    # the absolute timeout holds for a session in use every 30 minutes
    c = env.browser("reporter")
    start = now[0]
    used = [at(30 * k) for k in range(1, 20)]  # 9.5 hours
    cases.check("in use: kept", set(used) == {200}, used)
    cases.check("10 hours after sign-in: ended", at(10 * 60 + 1) == 303)
    env.store.engine.dispose()
    cases.done()


def _raw_sid(c) -> str:  # type: ignore[no-untyped-def]
    """The session id in a test client's cookie (signed by Starlette: its payload is JSON)."""
    import base64

    cookie = c.cookies.get("chitieu_session")
    if not cookie:
        return ""
    payload = cookie.split(".")[0]
    data = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))
    return str(data.get("sid", ""))


def test_overlong_comments_are_refused_on_every_path(db_url, tmp_path):
    """Before: no limit — a 200,000-character comment was stored, then cut to 32,767 by the
    Excel template without a word; now every path refuses one over 2,000 characters, naming
    the field, its length and the limit, and nothing is stored."""
    cases = Cases("comments", db_url)
    env = make_env(db_url)
    long = "x" * (LIMIT + 1)
    before = count_rows(db_url)
    _comment_cli(cases, db_url, tmp_path, long)
    _comment_api(cases, env, long)
    _comment_pages(cases, env, long)
    cases.check("nothing stored", count_rows(db_url) == before, count_rows(db_url) - before)
    _comment_transitions(cases, env, long)
    value = {"indicator": "ICT_REVENUE", "unit": OWN, "period": "2025S2", "value": 5}
    ok = env.api("reporter").post(
        "/api/v1/values", json={"values": [{**value, "kind": "actual", "comment": "y" * LIMIT}]}
    )
    cases.check("exactly the limit is stored", ok.status_code == 200, ok.text[:300])
    _template_keeps_comments_whole(cases, env)
    env.store.engine.dispose()
    cases.done()


def _said(text: str) -> bool:
    """Whether a message names the length and the limit (vi or en number formats)."""
    return ("2.001" in text or "2,001" in text) and ("2.000" in text or "2,000" in text)


def _comment_cli(cases: Cases, url: str, tmp_path: Path, long: str) -> None:
    small = tmp_path / "small.csv"
    small.write_text(
        f"indicator,unit,period,value,kind,comment\nICT_REVENUE,VN,2023S1,5,actual,{long}\n",
        encoding="utf-8",
    )
    big = tmp_path / "big.csv"  # over 1 MiB: the column path reads it first
    note = "ghi chú " * 30
    lines = ["indicator,unit,period,value,kind,comment"]
    lines += [
        f"{i},VN,{y}{m:02d},{m},actual,{note}"
        for y in range(1900, 2026)
        for m in range(1, 13)
        for i in ("ICT_REVENUE", "ICT_BUDGET", "ICT_GDP")
    ]
    lines[-1] = lines[-1].replace(note, long)
    big.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert big.stat().st_size > 1 << 20
    runner = CliRunner()
    for name, path, row in (
        ("cli import", small, "2"),
        ("cli import (columns)", big, str(len(lines))),
    ):
        res = runner.invoke(cli, ["import", str(path), "--db", url, "--lang", "en"])
        out = res.output
        ok = res.exit_code == 1 and "comment" in out and _said(out) and row in out
        cases.check(name, ok, f"exit {res.exit_code}: {out[-400:]}")


def _findings(r) -> list[dict]:  # type: ignore[no-untyped-def]
    return (r.json().get("report") or {}).get("findings") or [{}]


def _comment_api(cases: Cases, env, long: str) -> None:  # type: ignore[no-untyped-def]
    rep, ana = env.api("reporter"), env.api("analyst")
    value = {"indicator": "ICT_REVENUE", "unit": OWN, "period": PERIOD, "value": 5}
    value.update(kind="estimate", comment=long)
    r = rep.post("/api/v1/values", json={"values": [{**value, "comment": "ok"}, value]})
    f = _findings(r)[0]
    ok = r.status_code == 422 and f.get("index") == 1 and f.get("column") == "comment"
    ok = ok and _said(f["message"]["en"]) and _said(f["message"]["vi"])
    cases.check("POST /values", ok, r.text[:400])
    version = rep.get(SUBMISSION).json()["submission"]["version"]
    for name, comments in (
        ("PUT a comment with its value", {"ICT_REVENUE": long}),
        ("PUT a comment without its value", {"ICT_BUDGET": long}),
    ):
        body = {"values": {"ICT_REVENUE": 7}, "comments": comments, "version": version}
        r = rep.put(SUBMISSION, json=body)
        f = _findings(r)[0]
        ok = r.status_code == 422 and f.get("type") == "comment-too-long"
        cases.check(name, ok and f.get("indicator") == next(iter(comments)), r.text[:400])
    body = {"values": [{**value, "comment": "ok"}], "override_lock": True, "reason": long}
    r = ana.post("/api/v1/values", json=body)
    ok = r.status_code == 422 and r.json().get("field") == "reason" and _said(r.json()["error"])
    cases.check("override reason", ok, r.text[:300])


def _comment_pages(cases: Cases, env, long: str) -> None:  # type: ignore[no-untyped-def]
    c = env.browser("reporter")
    data = {"csrf_token": csrf(c, ENTRY), "v__ICT_REVENUE": "9", "c__ICT_REVENUE": long}
    r = c.post(ENTRY, data=data, follow_redirects=False)
    ok = r.status_code == 422 and _said(r.text) and long in r.text  # the typed text kept
    cases.check("form post", ok, r.status_code)
    book = load_workbook(io.BytesIO(c.get(ENTRY + "/template.xlsx?layout=long").content))
    sheet = book["Số liệu"]
    sheet["H2"], sheet["J2"] = 9, long
    buf = io.BytesIO()
    book.save(buf)
    files = {"file": ("t.xlsx", buf.getvalue(), "application/octet-stream")}
    r = c.post(ENTRY + "/upload", data={"csrf_token": csrf(c, ENTRY)}, files=files)
    cases.check("Excel upload", r.status_code == 422 and _said(r.text) and "J2" in r.text, r)


def _comment_transitions(cases: Cases, env, long: str) -> None:  # type: ignore[no-untyped-def]
    """A submitted report returned with an overlong comment: refused by the API and the page."""
    rep = env.api("reporter")
    full = {i: n for n, i in enumerate(("ICT_REVENUE", "ICT_BUDGET", "ICT_GDP", "ICT_LABOUR"))}
    assert rep.put(SUBMISSION, json={"values": full, "overwrite": True}).status_code == 200
    assert rep.post(SUBMISSION + "/submit", json={}).status_code == 200
    # a province's report is returned at the first approval level, by the department's head
    r = env.api("head").post(SUBMISSION + "/return", json={"comment": long})
    body = r.json()
    ok = r.status_code == 422 and body.get("field") == "comment" and body.get("limit") == LIMIT
    cases.check("API return comment", ok and _said(body["error"]), r.text[:300])
    a = env.browser("head")
    data = {"csrf_token": csrf(a, ENTRY), "comment": long}
    r = a.post(ENTRY + "/return", data=data, follow_redirects=False)
    cases.check("page return comment", r.status_code == 422 and _said(r.text), r.status_code)
    state = rep.get(SUBMISSION).json()["submission"]
    cases.check("still submitted", state["status"] == "submitted", state["status"])


def _template_keeps_comments_whole(cases: Cases, env) -> None:  # type: ignore[no-untyped-def]
    """A comment stored before the limit and longer than an Excel cell: no template (409,
    naming the indicator) rather than one that cuts it; one within the cell: whole."""
    c = env.browser("reporter")
    for n, want in ((30_000, 200), (200_000, 409)):
        legacy = NewValue("ICT_REVENUE", OWN, PERIOD, "estimate", 1.0, "provisional", "z" * n)
        env.store.write([legacy], source="legacy", created_by="legacy")
        r = c.get(ENTRY + "/template.xlsx?round=estimate&layout=long")  # the value's round
        if want == 200:
            cell = load_workbook(io.BytesIO(r.content))["Số liệu"]["J2"].value
            ok = r.status_code == 200 and cell == "z" * n
        else:
            ok = r.status_code == 409 and "ICT_REVENUE" in r.text and "200" in r.text
        cases.check(f"template of a {n}-character comment", ok, r.status_code)


def test_405_answers_allow(tmp_path):
    """Before: TRACE (and any method a path does not take) answered 405 without ``Allow``."""
    cases = Cases("405")
    env = make_env(f"sqlite:///{tmp_path / 'allow.db'}")
    api = env.api("analyst")
    for method, path, allow in (
        ("TRACE", "/api/v1/values", "GET, POST"),
        ("DELETE", "/api/v1/units", "GET"),
        ("TRACE", "/", "GET"),
        ("TRACE", f"/entry/{FORM}/{OWN}/{PERIOD}", "GET, POST"),
        ("PUT", "/static/app.css", "GET, HEAD"),
        ("TRACE", "/healthz", "GET"),
    ):
        r = api.request(method, path)
        cases.check(
            f"{method} {path}",
            r.status_code == 405 and r.headers.get("allow") == allow,
            (r.status_code, r.headers.get("allow")),
        )
    env.store.engine.dispose()
    cases.done()


def test_dates_of_query_parameters_are_checked(db_url):
    """Before: ``?as_of=0`` was read as 1 January 1970 (a Unix time) and answered 200."""
    cases = Cases("dates", db_url)
    env = make_env(db_url)
    api = env.api("analyst")
    for path in ("/api/v1/units", f"/api/v1/values?period={PERIOD}"):
        sep = "&" if "?" in path else "?"
        for bad in ("0", "1700000000", "1e5", "2025-13-01", "2025-02-30", "tomorrow", "2025"):
            r = api.get(f"{path}{sep}as_of={bad}")
            body = r.json()
            cases.check(
                f"{path} as_of={bad}",
                r.status_code == 422
                and "as_of" in body["error"]
                and bad in body["error"]
                and body.get("hint"),
                r.text[:200],
            )
        for good in ("2025-07-01",) + (
            ("2025-07-01T08:30:00Z", "2025-07-01T08:30") if sep == "&" else ()
        ):
            r = api.get(f"{path}{sep}as_of={good}")
            cases.check(f"{path} as_of={good}", r.status_code == 200, r.text[:200])
    env.store.engine.dispose()
    cases.done()


def test_a_batch_with_another_unit_names_its_rows(db_url):
    """Before: a reporter's 10,000-value batch whose last value is another province's got a
    403 that named no value."""
    cases = Cases("batch 403", db_url)
    env = make_env(db_url)
    # every key of the own unit after 1 July 2025 (when 01@34 began), over and over: 10,000
    # values, the last one another province's
    periods = [f"2025{m:02d}" for m in range(7, 13)] + [f"2026{m:02d}" for m in range(1, 13)]
    periods += ["2025Q3", "2025Q4", "2026Q1", "2026Q2", "2025S2", "2026S1", "2026"]
    inds = ("ICT_REVENUE", "ICT_BUDGET", "ICT_GDP", "ICT_LABOUR")
    keys = [(i, p, k) for k in ("actual", "estimate", "plan") for i in inds for p in periods]
    values = [
        {"indicator": i, "unit": OWN, "period": p, "value": 1, "kind": k}
        for i, p, k in (keys[n % len(keys)] for n in range(9_999))
    ]
    values.append({**values[0], "unit": FOREIGN})
    before = count_rows(db_url)
    r = env.api("reporter").post("/api/v1/values", json={"values": values})
    body = r.json()
    found = (body.get("report") or {}).get("findings") or [{}]
    cases.check("403", r.status_code == 403, r.status_code)
    cases.check(
        "names index and unit",
        found[0].get("index") == 9_999 and found[0].get("unit") == FOREIGN and len(found) == 1,
        found[:2],
    )
    cases.check("the hint names it", "values[9999]: " + FOREIGN in body.get("hint", ""), body)
    cases.check("nothing stored", count_rows(db_url) == before)
    env.store.engine.dispose()
    cases.done()


#: hostile DHIS2 payloads (issue 21): (name, content type, body, where the refusal names)
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1
                                                   else b"&lol;" * 10) for i in range(1, 10))
          + b']><adx xmlns="urn:ihe:qrph:adx:2015">&lol9;</adx>')  # fmt: skip
HOSTILE_DHIS2 = [
    ("deep JSON nesting", "application/json", b"[" * 100_000 + b"]" * 100_000, "JSON"),
    ("duplicate keys", "application/json",
     b'{"dataValues": [{"dataElement": "ICT_REVENUE", "dataElement": "ICT_GDP"}]}',
     "key 'dataElement'"),
    ("XML entities (billion laughs)", "application/adx+xml", LAUGHS, "document type"),
    ("external DTD", "application/adx+xml",
     b'<?xml version="1.0"?><!DOCTYPE adx SYSTEM "http://127.0.0.1:9/a.dtd">'
     b'<adx xmlns="urn:ihe:qrph:adx:2015"/>', "document type"),
    ("external entity", "application/adx+xml",
     b'<?xml version="1.0"?><!DOCTYPE adx [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
     b'<adx xmlns="urn:ihe:qrph:adx:2015"><group orgUnit="01" period="2026-01-01/P6M">'
     b'<dataValue dataElement="ICT_REVENUE" value="1"><annotation>&e;</annotation>'
     b"</dataValue></group></adx>", "document type"),
    ("CSV without header", "application/csv", b"ICT_REVENUE,2026S1,01,,,1\n", "line 1"),
    ("not UTF-8", "application/json", b'{"dataValues": [{"comment": "\xff\xfe"}]}', "byte"),
]  # fmt: skip


def test_hostile_dhis2_payloads(db_url, monkeypatch):
    """Issue 21: hostile DHIS2 payloads through POST /api/v1/dataValueSets are refused as a
    whole (index -1) with their place, DHIS2's summary in the body, nothing written; a set
    over the size limit is 413."""
    from chitieu.web.routes import exchange

    cases = Cases("dhis2 payloads", db_url)
    env = make_env(db_url)
    api = env.api("analyst")
    before = count_rows(db_url)
    for name, ctype, body, where in HOSTILE_DHIS2:
        r = api.post("/api/v1/dataValueSets", content=body, headers={"Content-Type": ctype})
        got = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
        c = (got.get("response") or {}).get("conflicts") or [{}]
        place = (c[0].get("chitieu") or {}).get("message", {}).get("en", "")
        cases.check(f"{name}: 409", r.status_code == 409, (r.status_code, r.text[:300]))
        cases.check(
            f"{name}: whole set, placed", c[0].get("indexes") == [-1] and where in place, c[0]
        )
    monkeypatch.setattr(exchange, "MAX_VALUES", 10)
    one = {"dataElement": "ICT_REVENUE", "period": "2026S1", "orgUnit": "01", "value": "1"}
    r = api.post("/api/v1/dataValueSets", json={"dataValues": [one] * 11})
    cases.check(
        "over the limit: 413",
        r.status_code == 413 and r.json()["httpStatusCode"] == 413,
        r.text[:300],
    )
    cases.check("nothing stored", count_rows(db_url) == before)
    env.store.engine.dispose()
    cases.done()


@pytest.fixture(scope="module", autouse=True)
def _summary(request):  # type: ignore[no-untyped-def]
    yield
    if TRIED:
        lines = [f"  {k}: {PASSED[k]}/{n} passed" for k, n in sorted(TRIED.items())]
        say(
            request,
            f"\nreliability suite (web server): {sum(TRIED.values())} cases tried, "
            f"{sum(PASSED.values())} passed\n" + "\n".join(lines),
        )
