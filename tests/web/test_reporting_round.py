"""The reporting round (issue 16), each defect on SQLite and PostgreSQL: "overwrite" after a
conflict lost other people's work (the form, the upload, the API); the return comment vanished
after the unit's first save; only a form's first round existed; the approve button was offered
to an analyst whom four eyes forbids; a reopened report was labelled "returned"; the home page
pointed at a round months overdue; the board said "not started" beside "on time"."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from tests.web.conftest import FOREIGN, FORM, OWN, PASSWORD, csrf

from chitieu.web.accounts import Accounts

PERIOD = "2026S1"
ROUND = "estimate"
SUB = f"/api/v1/submissions/{FORM}/{OWN}/{PERIOD}?round={ROUND}"
ENTRY = f"/entry/{FORM}/{OWN}/{PERIOD}"
START = {"ICT_REVENUE": 100, "ICT_BUDGET": 10, "ICT_GDP": 41900, "ICT_LABOUR": 500}


def _sub(path: str, action: str = "") -> str:
    base, query = SUB.split("?")
    return f"{base}{'/' + action if action else ''}?{query}"


def _start(web) -> dict:  # type: ignore[no-untyped-def]
    """The unit's report with its first values; what a second session reads."""
    rep = web.api("reporter")
    v = rep.get(SUB).json()["submission"]["version"]
    r = rep.put(SUB, json={"values": START, "version": v})
    assert r.status_code == 200, r.text
    return r.json()["submission"]


def _values(web) -> dict[str, float | None]:  # type: ignore[no-untyped-def]
    sub = web.api("analyst").get(SUB).json()["submission"]
    return {k: v["value"] for k, v in sub["values"].items()}


def _a_saves_gdp(web) -> None:  # type: ignore[no-untyped-def]
    """Session A (the ministry) saves GDP 42.000 on what it read."""
    ana = web.api("analyst")
    read = ana.get(SUB).json()["submission"]
    base = {k: v["value"] for k, v in read["values"].items()}
    r = ana.put(SUB, json={"values": {"ICT_GDP": 42000}, "base": base})
    assert r.status_code == 200, r.text


def test_overwrite_after_a_conflict_loses_nothing_through_the_api(web):
    read = _start(web)  # session B opens the report
    b_base = {k: v["value"] for k, v in read["values"].items()}
    _a_saves_gdp(web)
    mine = {**b_base, "ICT_LABOUR": 520}  # B changes only labour; its client sends every field
    r = web.api("reporter").put(
        SUB, json={"values": mine, "base": b_base, "version": read["version"], "overwrite": True}
    )
    assert r.status_code == 200, r.text
    assert r.json()["overwritten"] == []
    assert _values(web) == {**START, "ICT_GDP": 42000, "ICT_LABOUR": 520}  # GDP stays 42.000
    # B changes GDP too, on its stale copy: a conflict naming who, when, the field, both values
    clash = web.api("reporter").put(
        SUB, json={"values": {**mine, "ICT_GDP": 43000}, "base": b_base}
    )
    assert clash.status_code == 409
    body = clash.json()
    (c,) = body["conflicts"]
    assert (c["indicator"], c["base"], c["theirs"], c["yours"], c["by"]) == (
        "ICT_GDP", 41900, 42000, 43000, "analyst",
    )  # fmt: skip
    assert c["at"] and "analyst" in body["error"] and "42.000" in body["error"]
    assert "43.000" in body["error"] and "ICT_GDP" in body["error"]
    assert _values(web)["ICT_GDP"] == 42000  # nothing written
    # overwrite forces that field only
    forced = web.api("reporter").put(
        SUB, json={"values": {**mine, "ICT_GDP": 43000}, "base": b_base, "overwrite": True}
    )
    assert forced.status_code == 200 and forced.json()["overwritten"] == ["ICT_GDP"]
    assert _values(web) == {**START, "ICT_GDP": 43000, "ICT_LABOUR": 520}
    events = web.api("reporter").get(_sub(SUB, "audit")).json()["events"]
    assert events[0]["action"] == "overwrite"
    assert [(x["indicator"], x["old"], x["new"]) for x in events[0]["changes"]] == [
        ("ICT_GDP", 42000, 43000)
    ]
    # without base: fields left out are untouched, null deletes
    v = web.api("reporter").get(SUB).json()["submission"]["version"]
    r = web.api("reporter").put(SUB, json={"values": {"ICT_BUDGET": None}, "version": v})
    assert r.status_code == 200
    assert _values(web) == {**START, "ICT_GDP": 43000, "ICT_LABOUR": 520, "ICT_BUDGET": None}


def _page_fields(html: str) -> dict[str, str]:
    """What a browser posts of the page's inputs left as rendered (no box ticked)."""
    out = {}
    for m in re.finditer(r'<input([^>]*)name="([^"]+)"[^>]*value="([^"]*)"', html):
        if 'type="checkbox"' not in m.group(0):
            out[m.group(2)] = m.group(3)
    return out


def test_overwrite_after_a_conflict_loses_nothing_on_the_form(web):
    _start(web)
    b = web.browser("reporter")
    page = b.get(f"{ENTRY}?round={ROUND}")  # session B opens the page
    fields = _page_fields(page.text)
    _a_saves_gdp(web)
    post = {**fields, "v__ICT_LABOUR": "520", "action": "save", "overwrite": "1"}
    r = b.post(f"{ENTRY}?round={ROUND}", data=post, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    assert _values(web) == {**START, "ICT_GDP": 42000, "ICT_LABOUR": 520}
    # B changes GDP on its stale page: the conflict is listed, and only a ticked field is forced
    # (43.000 reads two ways: B says it means forty-three thousand, remembered for the unit)
    post = {**fields, "v__ICT_GDP": "43.000", "n__ICT_GDP": "vi", "v__ICT_LABOUR": "520",
            "action": "save"}  # fmt: skip
    r = b.post(f"{ENTRY}?round={ROUND}", data=post)
    assert r.status_code == 409 and 'id="conflicts"' in r.text and "analyst" in r.text
    assert 'name="o__ICT_GDP"' in r.text and _values(web)["ICT_GDP"] == 42000
    again = _page_fields(r.text)
    assert again["b__ICT_GDP"] == fields["b__ICT_GDP"]  # still on the base B typed from
    r = b.post(f"{ENTRY}?round={ROUND}", data={**again, "action": "save"})
    assert r.status_code == 409  # not ticked: refused again
    ok = {**again, "action": "save", "o__ICT_GDP": "1"}
    r = b.post(f"{ENTRY}?round={ROUND}", data=ok)
    assert r.status_code == 200 and "Đã lưu nháp" in r.text  # (with the checks' warnings)
    assert _values(web) == {**START, "ICT_GDP": 43000, "ICT_LABOUR": 520}


def test_overwrite_after_a_conflict_loses_nothing_on_the_upload(web):
    _start(web)
    b = web.browser("reporter")
    template = b.get(f"{ENTRY}/template.xlsx?round={ROUND}&layout=long").content  # B downloads
    _a_saves_gdp(web)
    wb = load_workbook(io.BytesIO(template))
    ws = wb["Số liệu"]
    assert ws["A5"].value == "ICT_LABOUR" and ws["A4"].value == "ICT_GDP"
    ws["H5"] = 520  # B fills labour; GDP still shows the 41.900 it downloaded
    buf = io.BytesIO()
    wb.save(buf)
    files = {"file": ("bieu.xlsx", buf.getvalue(), "application/octet-stream")}
    data = {"csrf_token": csrf(b, ENTRY), "overwrite": "1"}
    r = b.post(f"{ENTRY}/upload?round={ROUND}", data=data, files=files, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    assert _values(web) == {**START, "ICT_GDP": 42000, "ICT_LABOUR": 520}


def _fill_and_submit(web) -> None:  # type: ignore[no-untyped-def]
    _start(web)
    assert web.api("reporter").post(_sub(SUB, "submit"), json={}).status_code == 200


def test_the_return_comment_stays_after_the_units_save(web):
    _fill_and_submit(web)
    head = web.api("head")
    why = "Số lao động chưa khớp với quý II"
    back = head.post(_sub(SUB, "return"), json={"comment": why}).json()["submission"]
    assert (back["status"], back["returned_to"]) == ("returned", 0)
    rep = web.api("reporter")
    v = rep.get(SUB).json()["submission"]["version"]
    saved = rep.put(SUB, json={"values": {"ICT_LABOUR": 510}, "version": v}).json()
    assert saved["submission"]["status"] == "returned" and saved["submission"]["comment"] == why
    page = web.browser("reporter").get(f"{ENTRY}?round={ROUND}").text
    assert 'id="return-comment"' in page and why in page
    reply = rep.post(_sub(SUB, "reply"), json={"comment": "Đã sửa số lao động"})
    assert reply.status_code == 200 and reply.json()["submission"]["status"] == "returned"
    thread = rep.get(_sub(SUB, "thread")).json()["thread"]
    assert [(p["action"], p["comment"]) for p in thread] == [
        ("return", why), ("reply", "Đã sửa số lao động"),
    ]  # fmt: skip
    assert why in web.browser("head").get(f"{ENTRY}?round={ROUND}").text  # both sides see it
    assert rep.post(_sub(SUB, "submit"), json={}).json()["submission"]["status"] == "submitted"


def test_the_actual_round_is_enterable_and_counted(web):
    rep = web.browser("reporter")
    page = rep.get(f"{ENTRY}?round=actual")
    assert page.status_code == 200 and "Thực hiện 6 tháng đầu năm 2026" in page.text
    api = web.api("reporter")
    actual = f"/api/v1/submissions/{FORM}/{OWN}/{PERIOD}?round=actual"
    got = api.get(actual).json()["submission"]
    assert (got["round"], got["kind"], str(got["deadline"])) == ("actual", "actual", "2026-07-15")
    r = api.put(actual, json={"values": START, "version": got["version"]})
    assert r.status_code == 200
    submit = f"/api/v1/submissions/{FORM}/{OWN}/{PERIOD}/submit?round=actual"
    assert api.post(submit, json={}).json()["submission"]["status"] == "submitted"
    board = web.api("analyst").get(f"/api/v1/board/{FORM}/{PERIOD}?round=actual").json()
    row = next(u for u in board["units"] if u["unit"] == OWN)
    assert board["round"] == "actual" and row["state"] == "submitted" and board["reported"] == 1
    estimate = web.api("analyst").get(f"/api/v1/board/{FORM}/{PERIOD}?round=estimate").json()
    own = next(u for u in estimate["units"] if u["unit"] == OWN)
    assert own["state"] == "received"  # its own report of that round was never started
    where = {"indicator": "ICT_GDP", "unit": OWN, "period": PERIOD, "kind": "actual"}
    history = web.api("reporter").get("/api/v1/values/history", params=where).json()
    assert [c["new"] for c in history["changes"]] == [41900]
    assert web.browser("analyst").get(f"/board/{FORM}/{PERIOD}?round=actual").status_code == 200


def test_the_approve_button_is_hidden_from_an_analyst_four_eyes_forbids(web):
    Accounts(web.store).add("analyst2", PASSWORD, "analyst")
    ana = web.api("analyst")
    v = ana.get(SUB).json()["submission"]["version"]
    assert ana.put(SUB, json={"values": START, "version": v}).status_code == 200
    assert ana.post(_sub(SUB, "submit"), json={}).status_code == 200  # on the unit's behalf
    head_page = web.browser("head").get(f"{ENTRY}?round={ROUND}").text
    assert 'id="accept"' in head_page and 'id="approve"' not in head_page
    assert web.api("head").post(_sub(SUB, "accept"), json={}).status_code == 200
    mine = web.browser("analyst").get(f"{ENTRY}?round={ROUND}").text
    assert 'id="approve"' not in mine and 'id="return"' in mine  # it may still return it
    other = web.browser("analyst2").get(f"{ENTRY}?round={ROUND}").text
    assert 'id="approve"' in other
    for who in ("reporter", "viewer", "head"):
        assert 'id="approve"' not in web.browser(who).get(f"{ENTRY}?round={ROUND}").text


def test_a_reopened_report_says_so_and_the_ministrys_edits_are_marked(web):
    _fill_and_submit(web)
    assert web.api("head").post(_sub(SUB, "accept"), json={}).status_code == 200
    ana = web.api("analyst")
    assert ana.post(_sub(SUB, "approve"), json={}).status_code == 200
    r = ana.post(_sub(SUB, "reopen"), json={"comment": "Bộ điều chỉnh số liệu GDP"})
    assert r.json()["submission"]["status"] == "reopened"
    page = web.browser("reporter").get(f"{ENTRY}?round={ROUND}").text
    assert "được mở lại" in page and "bị trả lại" not in page
    v = ana.get(SUB).json()["submission"]["version"]
    assert ana.put(SUB, json={"values": {"ICT_GDP": 41950}, "version": v}).status_code == 200
    assert ana.post(_sub(SUB, "submit"), json={}).status_code == 200
    thread = web.api("reporter").get(_sub(SUB, "thread")).json()["thread"]
    marked = [(p["action"], p["actor"]) for p in thread if p["on_behalf"]]
    assert marked == [("api", "analyst"), ("submit", "analyst")]
    page = web.browser("reporter").get(f"{ENTRY}?round={ROUND}").text
    assert page.count("thay cho đơn vị") == 2


def test_the_home_page_points_at_the_round_due_next(web, monkeypatch):
    monkeypatch.setenv("CHITIEU_NOW", "2026-12-07")
    c = web.browser("reporter")
    page = c.get("/").text
    due = re.search(r'id="due".*?</section>', page, re.S).group(0)
    assert "Ước 6 tháng cuối năm 2026 — hạn 21/12/2026" in due
    assert f"/entry/{FORM}/{OWN}/2026S2?round=estimate" in due
    assert "2026S1" not in due
    overdue = re.search(r'id="overdue".*?</section>', page, re.S).group(0)
    assert "Thực hiện 6 tháng đầu năm 2026 — hạn 15/07/2026" in overdue
    c.get("/lang/en", params={"next": "/"})
    assert "Estimate, H2 2026 — due 21 Dec 2026" in c.get("/").text
    entry = c.get(f"/entry/{FORM}/{OWN}/2026S2").text  # no round: the one due next
    assert 'data-round="estimate"' in entry and 'aria-current="page"' in entry


def test_the_board_never_says_not_started_beside_on_time(web):
    row = {"indicator": "ICT_REVENUE", "unit": FOREIGN, "period": PERIOD, "kind": "actual"}
    values = [{**row, "indicator": c, "value": v} for c, v in START.items()]
    assert web.api("analyst").post("/api/v1/values", json={"values": values}).status_code == 200
    board = web.api("analyst").get(f"/api/v1/board/{FORM}/{PERIOD}?round=actual").json()
    got = next(u for u in board["units"] if u["unit"] == FOREIGN)
    assert got["state"] == "received" and got["timeliness"] in ("on_time", "late")
    assert got["level"] is None and got["published"]
    for u in board["units"]:
        if u["state"] == "not_started":
            assert u["timeliness"] in ("pending", "missing"), u
    assert board["counts"]["state"]["received"] == 1
    assert set(board["counts"]) == {"timeliness", "state"}


def test_approval_levels_are_set_by_an_administrator_audited_and_versioned(web):
    path = f"/api/v1/forms/{FORM}/levels"
    assert web.api("analyst").put(path, json={"levels": 1}).status_code == 403
    before = web.store.data_version()
    r = web.api("admin").put(path, json={"levels": 1, "comment": "Sở chưa có lãnh đạo"})
    assert r.status_code == 200 and r.json()["levels"] == 1
    assert web.store.data_version() != before
    got = web.api("viewer").get(path).json()
    assert (got["levels"], got["default"]) == (1, 2)
    assert got["history"][0]["actor"] == "admin" and got["history"][0]["comment"]
    _fill_and_submit(web)
    sub = web.api("reporter").get(SUB).json()["submission"]
    assert (sub["status"], sub["level"], sub["levels"]) == ("submitted", 2, [2])
    assert web.api("head").post(_sub(SUB, "accept"), json={}).status_code == 409
    assert web.api("analyst").post(_sub(SUB, "approve"), json={}).status_code == 200
    assert web.api("admin").put(path, json={"levels": None}).json()["levels"] == 2
    bad = web.api("admin").put(path, json={"levels": 3})
    assert bad.status_code == 422 and "cấp duyệt" in bad.json()["error"]
