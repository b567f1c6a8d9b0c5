"""Validation rules on web and API writes: errors refuse the save with the rule's message,
warnings are saved and shown (on SQLite and PostgreSQL)."""

from __future__ import annotations

import re

from tests.web.conftest import FORM, OWN, PERIOD, csrf

BASE = f"/api/v1/submissions/{FORM}/{OWN}/{PERIOD}"


def test_a_form_save_breaking_an_error_rule_is_refused_with_its_message(web):
    rep = web.api("reporter")
    v = rep.get(BASE).json()["submission"]["version"]
    r = rep.put(BASE, json={"values": {"ICT_LABOUR": "-5", "ICT_REVENUE": "100"}, "version": v})
    assert r.status_code == 422, r.text
    (f,) = [f for f in r.json()["report"]["findings"] if f["severity"] == "error"]
    # the indicator's domain (catalog) refuses it first; the rule ict-labour-non-negative,
    # which says the same, is not repeated
    assert f["rule"] == "out-of-domain" and f["severity"] == "error"
    assert "ICT_LABOUR" in f["message"]["en"] and f["indicator"] == "ICT_LABOUR"
    assert rep.get(BASE).json()["submission"]["values"]["ICT_REVENUE"]["value"] is None


def test_the_batch_value_write_uses_the_same_rules(web):
    rep = web.api("reporter")
    row = {"indicator": "ICT_LABOUR", "unit": OWN, "period": PERIOD, "kind": "estimate"}
    r = rep.post("/api/v1/values", json={"values": [{**row, "value": -1}]})
    assert r.status_code == 422, r.text
    assert [f["rule"] for f in r.json()["report"]["findings"]] == ["out-of-domain"]  # domain
    ok = rep.post("/api/v1/values", json={"values": [{**row, "value": 12}]})
    assert ok.status_code == 200, ok.text


def test_warnings_are_saved_and_shown(web):
    rep = web.api("reporter")
    v = rep.get(BASE).json()["submission"]["version"]
    r = rep.put(BASE, json={"values": {"ICT_REVENUE": "100", "ICT_BUDGET": "250"}, "version": v})
    assert r.status_code == 200, r.text
    rules = [f["rule"] for f in r.json()["report"]["findings"] if f["rule"]]
    assert rules == ["ict-budget-within-revenue", "outlier-change"]
    assert {f["severity"] for f in r.json()["report"]["findings"]} == {"warning"}
    assert r.json()["submission"]["values"]["ICT_BUDGET"]["value"] == 250


def test_the_entry_form_shows_the_rule_error_and_keeps_the_typed_value(web):
    c = web.browser("reporter")
    page = f"/entry/{FORM}/{OWN}/{PERIOD}"
    data = {"csrf_token": csrf(c, page), "v__ICT_LABOUR": "-7", "action": "save"}
    r = c.post(page, data=data, follow_redirects=False)
    assert r.status_code == 422 and 'id="err__ICT_LABOUR"' in r.text
    assert "ICT_LABOUR" in r.text and 'value="-7"' in r.text
    version = re.search(r'name="version" value="([^"]*)"', c.get(page).text).group(1)
    data = {"csrf_token": csrf(c, page), "v__ICT_REVENUE": "100", "v__ICT_BUDGET": "250",
            "version": version}  # fmt: skip
    saved = c.post(page, data=data | {"action": "save"}, follow_redirects=False)
    assert saved.status_code == 200 and 'id="warn__ICT_BUDGET"' in saved.text
