"""Reliability of saves (issue 11): no silent overwrite by a version-less upload, and no value
written into a report while it is being submitted or approved (both backends)."""

from __future__ import annotations

import io
import random
import threading
import time

from openpyxl import load_workbook
from tests.web.conftest import FORM, OWN, PERIOD, csrf

ENTRY = f"/entry/{FORM}/{OWN}/{PERIOD}"
SUB = f"/api/v1/submissions/{FORM}/{OWN}/{PERIOD}"


def _upload(c, content: bytes, name: str = "bieu.xlsx", overwrite: bool = False):
    data = {"csrf_token": csrf(c, ENTRY)}
    if overwrite:
        data["overwrite"] = "1"
    return c.post(
        ENTRY + "/upload", data=data, files={"file": (name, content, "application/octet-stream")}
    )


def _revenue(web) -> float | None:
    sub = web.api("analyst").get(SUB).json()["submission"]
    return sub["values"]["ICT_REVENUE"]["value"]


def _without(wb, facts: tuple[str, ...]) -> bytes:
    """The workbook with the hidden sheet's facts whose names start with ``facts`` removed."""
    hidden = next(ws for ws in wb.worksheets if ws.sheet_state == "hidden")
    for row in hidden.iter_rows(min_col=3, max_col=4):
        if str(row[0].value or "").startswith(facts):
            row[0].value = row[1].value = None
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_an_upload_without_its_version_overwrites_no_newer_save(web):
    """Finding 4: a template whose hidden version row was removed, or a CSV sent to the
    upload, used to skip the conflict check and overwrite another user's newer save."""
    c = web.browser("reporter")
    template = c.get(ENTRY + "/template.xlsx?layout=long").content
    wb = load_workbook(io.BytesIO(template))
    wb["Số liệu"]["H2"] = 111
    no_version = _without(wb, ("version",))
    nothing = _without(wb, ("version", "base"))  # a template that says nothing it started from
    # meanwhile an analyst saves a newer value through the API, on the version it read
    api = web.api("analyst")
    version = api.get(SUB).json()["submission"]["version"]
    r = api.put(SUB, json={"version": version, "values": {"ICT_REVENUE": 999}})
    assert r.status_code == 200, r.text
    r = _upload(c, no_version)  # its base values say what it started from: a conflict
    assert r.status_code == 409 and "analyst" in r.text, r.text[:300]
    r = _upload(c, nothing)
    assert r.status_code == 409, r.text[:300]
    assert "phiên bản" in r.text  # the page says why (Vietnamese by default)
    assert _revenue(web) == 999
    csv = b"indicator,unit,period,value,kind\nICT_REVENUE,01@34,2026S1,5,actual\n"
    r = _upload(c, csv, "bieu.csv")
    assert r.status_code in (409, 422), r.text[:300]
    assert _revenue(web) == 999
    # choosing to overwrite is explicit and audited
    r = _upload(c, no_version, overwrite=True)
    assert r.status_code == 200, r.text[:300]
    assert _revenue(web) == 111


def _submit_and_approve(reporter, analyst, codes: list, head=None) -> dict:
    """Submit, accept (the head) and approve, each on the version just read, until they
    succeed; every step checks that the report holds exactly the values its actor saw."""
    for _ in range(400):
        sub = reporter.get(SUB).json()["submission"]
        r = reporter.post(SUB + "/submit", json={"version": sub["version"]})
        codes.append(("submit", r.status_code))
        if r.status_code != 200:
            continue
        seen = sub["version"].split(".")[1]  # the newest value id the submitter saw
        if head is not None:
            sub = head.get(SUB).json()["submission"]
            assert sub["version"].split(".")[1] == seen, "a value landed in the submitted report"
            r = head.post(SUB + "/accept", json={"version": sub["version"]})
            codes.append(("accept", r.status_code))
            assert r.status_code == 200, r.text
        sub = analyst.get(SUB).json()["submission"]
        assert sub["version"].split(".")[1] == seen, "a value landed in the submitted report"
        r = analyst.post(SUB + "/approve", json={"version": sub["version"]})
        codes.append(("approve", r.status_code))
        assert r.status_code == 200, r.text
        approved = r.json()["submission"]
        assert approved["version"].split(".")[1] == seen
        return approved
    raise AssertionError(f"never submitted: {codes[-5:]}")


def test_no_value_lands_in_a_report_being_submitted_or_approved(web):
    """Finding 3: value writes raced with submit and approve; a write that read the report's
    status before the transition committed after it, into the submitted report. Now the
    transition and every write of the report's values take the same slice lock, and a
    transition refuses values its actor did not see."""
    reporter, analyst = web.api("reporter"), web.api("analyst")
    rounds, writers, tries, refused = 4, 3, 0, 0
    kind = reporter.get(SUB).json()["submission"]["kind"]
    for n in range(rounds):
        version = reporter.get(SUB).json()["submission"]["version"]
        values = {i: 100 + n for i in ("ICT_REVENUE", "ICT_BUDGET", "ICT_GDP")}
        values["ICT_LABOUR"] = 1000 + n
        assert reporter.put(SUB, json={"version": version, "values": values}).status_code == 200
        stop = threading.Event()
        codes: list[int] = []

        def write(k: int, stop=stop, codes=codes) -> None:
            api = web.api("reporter")
            i = 0
            while not stop.is_set():
                i += 1
                row = {"indicator": "ICT_REVENUE", "unit": OWN, "period": PERIOD,
                       "value": 10_000 * (k + 1) + i, "kind": kind}  # fmt: skip
                r = api.post("/api/v1/values", json={"values": [row]})
                codes.append(r.status_code)
                time.sleep(random.uniform(0, 0.05))  # leave the transitions a window

        threads = [threading.Thread(target=write, args=(k,), daemon=True) for k in range(writers)]
        for t in threads:
            t.start()
        steps: list = []
        try:
            approved = _submit_and_approve(reporter, analyst, steps, web.api("head"))
            time.sleep(0.1)  # writers keep trying against the approved report
        finally:
            stop.set()
            for t in threads:
                t.join()
        assert set(codes) <= {200, 409}, codes
        tries, refused = tries + len(codes), refused + codes.count(409)
        final = analyst.get(SUB).json()["submission"]
        assert final["status"] == "approved"
        assert final["version"] == approved["version"], "a value landed after the approval"
        assert final["values"] == approved["values"]
        r = analyst.post(SUB + "/reopen", json={"comment": "vòng sau"})
        assert r.status_code == 200, r.text
    assert tries > refused > 0  # writes went in between the transitions, and were refused


def test_a_body_over_the_limit_is_refused_before_it_is_read(web, monkeypatch):
    """Finding 7: no size limit on request bodies (a form parser keeps a whole multipart body
    before the route sees it). Announced or counted, a body over CHITIEU_MAX_BODY_MB is 413."""
    monkeypatch.setenv("CHITIEU_MAX_BODY_MB", "1")
    from chitieu.collect import limits

    if hasattr(limits.limits, "cache_clear"):
        limits.limits.cache_clear()
    api = web.api("analyst")
    big = b'{"values": [' + b" " * (2 << 20) + b"]}"
    r = api.post("/api/v1/values", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["ok"] is False and "MiB" in r.json()["error"]
    assert "CHITIEU_MAX_BODY_MB" in r.json()["hint"]

    def chunks():
        yield b'{"values": ['
        for _ in range(40):
            yield b" " * 65536
        yield b"]}"

    r = api.post("/api/v1/values", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413, r.text[:300]
    assert api.get("/api/v1/me").status_code == 200  # and the server goes on
    if hasattr(limits.limits, "cache_clear"):
        limits.limits.cache_clear()
