"""The exchange API (issue 21): POST /api/v1/dataValueSets in JSON, CSV and ADX with DHIS2's
import summary (200, 409 with the body, 413, 403 for another unit's values), GET
/api/v1/dataValueSets in the three formats, SDMX structure and data, the OpenAPI document."""

from __future__ import annotations

import json

from tests.web.conftest import FOREIGN, OWN

from chitieu.interop import sdmx

ONE = {
    "dataElement": "ICT_REVENUE",
    "period": "2026S1",
    "orgUnit": "01",
    "categoryOptionCombo": "ESTIMATE",
    "value": "123.5",
    "comment": "ước",
}


def test_post_json_as_reporter_own_unit(web):
    r = web.api("reporter").post("/api/v1/dataValueSets", json={"dataValues": [ONE]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["response"]["responseType"] == "ImportSummary"
    assert body["response"]["importCount"]["imported"] == 1
    (o,) = web.store.current(["2026S1"], units=[OWN])
    assert (o.indicator, o.kind, o.value, o.comment) == ("ICT_REVENUE", "estimate", 123.5, "ước")


def test_post_foreign_unit_is_403_with_summary(web):
    bad = {**ONE, "orgUnit": "79"}
    r = web.api("reporter").post("/api/v1/dataValueSets", json={"dataValues": [ONE, bad]})
    assert r.status_code == 403
    c = r.json()["response"]["conflicts"]
    assert [x["errorCode"] for x in c] == ["E8011"] and c[0]["indexes"] == [1]
    assert web.store.current(["2026S1"]) == []  # atomic: the own unit's value neither


def test_post_csv_and_adx_as_analyst_dry_run(web):
    csv = (
        "dataElement,period,orgUnit,categoryOptionCombo,attributeOptionCombo,value\n"
        "ICT_REVENUE,2026S1,79,ESTIMATE,,5\n"
    )
    api = web.api("analyst")
    r = api.post(
        "/api/v1/dataValueSets?dryRun=true",
        content=csv,
        headers={"Content-Type": "application/csv"},
    )
    assert r.status_code == 200 and r.json()["response"]["importCount"]["imported"] == 1
    adx = (
        '<adx xmlns="urn:ihe:qrph:adx:2015" exported="2026-07-01T00:00:00Z">'
        '<group orgUnit="79" period="2026-01-01/P6M"><dataValue dataElement="ICT_REVENUE" '
        'KIND="ESTIMATE" value="6"/></group></adx>'
    )
    r = api.post(
        "/api/v1/dataValueSets", content=adx, headers={"Content-Type": "application/adx+xml"}
    )
    assert r.status_code == 200, r.text
    assert web.store.current(["2026S1"], units=[FOREIGN])[0].value == 6.0


def test_post_conflicts_409_and_413(web, monkeypatch):
    api = web.api("analyst")
    r = api.post("/api/v1/dataValueSets", json={"dataValues": [{**ONE, "value": "x"}]})
    assert r.status_code == 409 and r.json()["httpStatusCode"] == 409
    assert r.json()["response"]["conflicts"][0]["errorCode"] == "E8122"
    from chitieu.web.routes import exchange

    monkeypatch.setattr(exchange, "MAX_VALUES", 1)
    r = api.post("/api/v1/dataValueSets", json={"dataValues": [ONE, {**ONE, "period": "2026"}]})
    assert r.status_code == 413 and r.json()["httpStatusCode"] == 413
    assert web.store.current(["2026S1", "2026"]) == []


def test_get_data_value_sets(web):
    api = web.api("analyst")
    r = api.get(
        "/api/v1/dataValueSets", params={"period": "2025S1", "orgUnit": "VN", "children": "true"}
    )
    assert r.status_code == 200
    values = r.json()["dataValues"]
    assert {v["orgUnit"] for v in values} == {"01", "79"}
    assert all(v["storedBy"] == "test" and v["lastUpdated"] for v in values)
    r = api.get(
        "/api/v1/dataValueSets",
        params={"startDate": "2025-01-01", "endDate": "2025-06-30", "format": "csv"},
    )
    assert r.status_code == 200 and r.text.startswith("dataElement,period,orgUnit")
    r = api.get(
        "/api/v1/dataValueSets",
        params={"period": "2025S1"},
        headers={"Accept": "application/adx+xml"},
    )
    assert r.status_code == 200 and 'period="2025-01-01/P6M"' in r.text
    assert api.get("/api/v1/dataValueSets").status_code == 409  # no period, no dates
    # a reporter sees its own unit only
    rep = web.api("reporter").get("/api/v1/dataValueSets", params={"period": "2025S1"})
    assert {v["orgUnit"] for v in rep.json()["dataValues"]} == {"01"}
    assert (
        web.api("reporter")
        .get("/api/v1/dataValueSets", params={"period": "2025S1", "orgUnit": "79"})
        .status_code
        == 403
    )


def test_sdmx_routes(web):
    api = web.api("analyst")
    st = api.get("/api/v1/sdmx/structure/DF_CHITIEU")
    assert st.status_code == 200 and "DataStructure" in st.text
    for fmt in ("csv", "xml"):
        r = api.get(
            "/api/v1/sdmx/data/DF_CHITIEU",
            params={"startPeriod": "2025-S1", "endPeriod": "2025-S1", "format": fmt},
        )
        assert r.status_code == 200
        assert sdmx.validate(r.text, st.text) == []
    assert api.get("/api/v1/sdmx/data/NOPE").status_code == 404


def test_openapi_has_the_routes(web):
    doc = web.api().get("/openapi.json").json()
    for path in (
        "/api/v1/dataValueSets",
        "/api/v1/sdmx/data/{flow}",
        "/api/v1/sdmx/structure/{flow}",
    ):
        assert path in doc["paths"], path
    assert {"get", "post"} <= set(doc["paths"]["/api/v1/dataValueSets"])
    json.dumps(doc)
