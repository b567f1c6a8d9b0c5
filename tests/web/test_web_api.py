"""REST API: reading, writing with the import's rules, optimistic concurrency, workflow, audit
(on SQLite and PostgreSQL)."""

from __future__ import annotations

from tests.web.conftest import FOREIGN, FORM, OWN, PERIOD

BASE = f"/api/v1/submissions/{FORM}/{OWN}/{PERIOD}"


def test_anonymous_data_requests_get_401_and_the_openapi_document_is_public(web):
    anon = web.api()
    r = anon.get("/api/v1/values", params={"period": "2025S1"})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert r.json() == {
        "ok": False,
        "error": r.json()["error"],
        "status": 401,
        "hint": r.json()["hint"],
    }
    doc = anon.get("/openapi.json").json()
    assert (
        "/api/v1/values" in doc["paths"]
        and "/api/v1/submissions/{form}/{unit}/{period}" in (doc["paths"])
    )
    bad = web.api()
    bad.headers["Authorization"] = "Bearer ct_not-a-token"
    assert bad.get("/api/v1/me").status_code == 401


def test_reporter_reads_only_its_units(web):
    rep = web.api("reporter")
    own = rep.get("/api/v1/values", params={"period": "2025S1"}).json()["values"]
    assert {v["unit"] for v in own} == {OWN}
    assert (
        rep.get("/api/v1/values", params={"period": "2025S1", "unit": FOREIGN}).status_code == 403
    )
    everything = web.api("viewer").get("/api/v1/values", params={"period": "2025S1"}).json()
    assert {v["unit"] for v in everything["values"]} == {OWN, FOREIGN}


def test_form_save_in_vietnamese_numbers_then_a_stale_save_conflicts(web):
    rep = web.api("reporter")
    got = rep.get(BASE)
    version = got.json()["submission"]["version"]
    assert got.headers["etag"] == f'"{version}"'
    first = rep.put(
        BASE,
        json={"values": {"ICT_REVENUE": "1.614.206", "ICT_BUDGET": "45.405,5"}, "version": version},
    )
    assert first.status_code == 200, first.text
    sub = first.json()["submission"]
    assert sub["values"]["ICT_REVENUE"]["value"] == 1614206
    assert sub["values"]["ICT_BUDGET"]["value"] == 45405.5
    assert sub["status"] == "draft"
    # a second client still holding the old version is refused, nothing is lost
    stale = web.api("analyst").put(BASE, json={"values": {"ICT_REVENUE": 1}, "version": version})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == sub["version"]
    assert rep.get(BASE).json()["submission"]["values"]["ICT_REVENUE"]["value"] == 1614206
    # without a version the save is refused; an explicit overwrite wins
    assert rep.put(BASE, json={"values": {"ICT_REVENUE": 2}}).status_code == 428
    over = web.api("analyst").put(BASE, json={"values": {"ICT_REVENUE": 3}, "overwrite": True})
    assert over.status_code == 200
    events = rep.get(BASE + "/audit").json()["events"]
    assert [e["action"] for e in events] == ["overwrite", "api"]
    assert events[0]["changes"][0]["old"] == 1614206 and events[0]["changes"][0]["new"] == 3


def test_invalid_values_are_refused_whole_with_findings(web):
    rep = web.api("reporter")
    v = rep.get(BASE).json()["submission"]["version"]
    r = rep.put(
        BASE, json={"values": {"ICT_REVENUE": "12,34,5", "ICT_LABOUR": "10,5"}, "version": v}
    )
    assert r.status_code == 422
    types = {f["indicator"]: f["type"] for f in r.json()["report"]["findings"]}
    assert types == {"ICT_REVENUE": "bad-number", "ICT_LABOUR": "not-integer"}
    assert rep.get(BASE).json()["submission"]["status"] == "not_started"
    unknown = rep.put(BASE, json={"values": {"PUB_TITLES": 1}, "version": v})
    assert unknown.status_code == 422
    assert unknown.json()["report"]["findings"][0]["type"] == "outside-form"


def test_workflow_submit_accept_approve_lock_reopen_with_comment(web):
    rep, head, ana = web.api("reporter"), web.api("head"), web.api("analyst")
    v = rep.get(BASE).json()["submission"]["version"]
    r = rep.put(BASE, json={"values": {"ICT_REVENUE": 10}, "version": v})
    incomplete = rep.post(BASE + "/submit", json={})
    assert incomplete.status_code == 422
    assert {f["type"] for f in incomplete.json()["report"]["findings"]} == {"form-missing-value"}
    v = r.json()["submission"]["version"]
    rep.put(BASE, json={"values": {"ICT_BUDGET": 1, "ICT_GDP": 2, "ICT_LABOUR": 3}, "version": v})
    sub = rep.post(BASE + "/submit", json={}).json()["submission"]
    assert (sub["status"], sub["level"]) == ("submitted", 1)  # waiting for the head
    assert rep.post(BASE + "/approve", json={}).status_code == 403  # reporters do not approve
    assert head.post(BASE + "/approve", json={}).status_code == 403  # nor do heads
    assert ana.post(BASE + "/accept", json={}).status_code == 403  # the head's level
    waiting = ana.post(BASE + "/approve", json={})
    assert waiting.status_code == 409 and "lãnh đạo Sở" in waiting.json()["error"]
    accepted = head.post(BASE + "/accept", json={"comment": "Đã rà soát"}).json()
    assert accepted["submission"]["status"] == "accepted" and accepted["submission"]["level"] == 2
    assert ana.post(BASE + "/approve", json={}).json()["submission"]["status"] == "approved"
    v = rep.get(BASE).json()["submission"]["version"]
    locked = rep.put(BASE, json={"values": {"ICT_REVENUE": 11}, "version": v})
    assert locked.status_code == 409
    kind = sub["kind"]
    row = {"indicator": "ICT_REVENUE", "unit": OWN, "period": PERIOD, "value": 5, "kind": kind}
    api_write = ana.post("/api/v1/values", json={"values": [row]})
    assert api_write.status_code == 409 and api_write.json()["keys"]
    assert ana.post(BASE + "/reopen", json={}).status_code == 422  # a reason is required
    re = ana.post(BASE + "/reopen", json={"comment": "Doanh thu quý II chưa khớp"})
    assert re.json()["submission"]["status"] == "reopened"  # not "returned"
    seen = rep.get(BASE).json()["submission"]
    assert seen["comment"] == "Doanh thu quý II chưa khớp" and seen["editable"]
    fixed = rep.put(BASE, json={"values": {"ICT_REVENUE": 12}, "version": seen["version"]})
    after = fixed.json()["submission"]
    assert after["status"] == "reopened" and after["comment"] == "Doanh thu quý II chưa khớp"
    actions = [e["action"] for e in rep.get(BASE + "/audit").json()["events"]]
    assert actions[:5] == ["api", "reopen", "approve", "accept", "submit"]
    thread = rep.get(BASE + "/thread").json()["thread"]
    assert [(p["action"], p["comment"]) for p in thread] == [
        ("accept", "Đã rà soát"),
        ("reopen", "Doanh thu quý II chưa khớp"),
    ]
    changes = rep.get(
        "/api/v1/values/history",
        params={"indicator": "ICT_REVENUE", "unit": OWN, "period": PERIOD, "kind": kind},
    ).json()["changes"]
    assert [(c["old"], c["new"], c["by"]) for c in changes] == [
        (10.0, 12.0, "reporter"),
        (None, 10.0, "reporter"),
    ]


def test_batch_write_is_all_or_nothing_and_scoped(web):
    rep = web.api("reporter")
    rows = [
        {
            "indicator": "ICT_REVENUE",
            "unit": OWN,
            "period": "2025S2",
            "value": "1.000",
            "kind": "actual",
        },
        {
            "indicator": "ICT_REVENUE",
            "unit": OWN,
            "period": "2025S3",
            "value": "5",
            "kind": "actual",
        },
    ]
    bad = rep.post("/api/v1/values", json={"values": rows, "locale": "vi"})
    assert bad.status_code == 422
    assert bad.json()["report"]["findings"][0]["type"] == "bad-period"
    assert web.store.count() == 2  # nothing written
    ok = rep.post("/api/v1/values", json={"values": rows[:1], "locale": "vi"})
    assert ok.status_code == 200 and ok.json()["rows"] == 1
    foreign = [{**rows[0], "unit": FOREIGN}]
    assert rep.post("/api/v1/values", json={"values": foreign}).status_code == 403
    assert web.api("viewer").post("/api/v1/values", json={"values": rows[:1]}).status_code == 403


def test_board_counts_reported_units(web):
    rep, ana = web.api("reporter"), web.api("analyst")
    v = rep.get(BASE).json()["submission"]["version"]
    vals = {"ICT_REVENUE": 1, "ICT_BUDGET": 1, "ICT_GDP": 1, "ICT_LABOUR": 1}
    rep.put(BASE, json={"values": vals, "version": v})
    rep.post(BASE + "/submit", json={})
    board = ana.get(f"/api/v1/board/{FORM}/{PERIOD}").json()
    assert board["expected"] == 34 and board["reported"] == 1
    row = next(u for u in board["units"] if u["unit"] == OWN)
    assert row["state"] == "submitted" and row["timeliness"] in ("late", "on_time")
    assert row["level"] == 1 and row["published"]
    own_board = rep.get(f"/api/v1/board/{FORM}/{PERIOD}").json()
    assert [u["unit"] for u in own_board["units"]] == [OWN]


def test_summary_reads_the_fact_table(web):
    r = web.api("viewer").get("/api/v1/summary", params={"period": "2025S1", "unit": OWN})
    facts = {f["indicator"]: f for f in r.json()["facts"]}
    assert facts["ICT_REVENUE"]["value"] == 1000
    assert (
        web.api("reporter").get("/api/v1/summary", params={"period": "2025S1"}).status_code == 403
    )


def test_a_unit_or_period_that_does_not_exist_is_told_in_the_users_language(web):
    vi = web.api("viewer")
    r = vi.get("/api/v1/submissions/TTTT-6T/99@34/2026S1")
    assert r.status_code == 404 and r.json()["error"] == "không có đơn vị mã '99@34'"
    assert "@34" in r.json()["hint"] and "ví dụ 80@34" in r.json()["hint"]
    en = web.api("viewer")
    en.cookies.set("chitieu_lang", "en")
    r = en.get("/api/v1/values", params={"period": "2025X9"})
    assert r.status_code == 404 and r.json()["error"] == "'2025X9' is not a period id"
    assert vi.get("/api/v1/values", params={"period": "2025X9"}).json()["error"] == (
        "'2025X9' không phải mã kỳ báo cáo"
    )
