"""DHIS2 data value sets, in (issue 21): DHIS2's documented examples in JSON (set-level
defaults and bulk), CSV (header) and ADX (two groups), on both backends: the stored values,
the import summary's counts and conflicts field by field, dryRun writing nothing, a
conflicting payload rejected whole."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chitieu.catalog.periods import parse_period
from chitieu.collect.layouts import adx as adx_reader
from chitieu.collect.layouts import dhis2_csv, dhis2_json
from chitieu.collect.layouts.dhis2_ids import (
    Mapping,
    adx_period,
    number,
    parse_adx_period,
    sdmx_period,
)
from chitieu.collect.layouts.dhis2_payload import PayloadError
from chitieu.collect.layouts.dhis2_write import import_dhis2

DATA = Path(__file__).parent / "data" / "dhis2"


def mapping() -> Mapping:
    return Mapping.load(DATA / "mapping.yaml")


def run(store, name: str, fmt: str, **query):  # type: ignore[no-untyped-def]
    q = {"idScheme": "UID", **query}
    return import_dhis2(store, (DATA / name).read_bytes(), fmt, query=q, mapping=mapping())


def current(store, periods):  # type: ignore[no-untyped-def]
    return {
        (o.indicator, o.unit, o.period, o.kind): (o.value, o.comment)
        for o in store.current(periods)
    }


def test_json_set_level_defaults(store):
    res = run(store, "set_defaults.json", "dhis2-json")
    s = res.summary()
    assert s["httpStatusCode"] == 200 and s["status"] == "OK"
    assert s["response"]["status"] == "SUCCESS"
    assert s["response"]["importCount"] == {"imported": 3, "updated": 0, "ignored": 0, "deleted": 0}
    assert s["response"]["conflicts"] == [] and s["response"]["rejectedIndexes"] == []
    assert s["response"]["importOptions"]["idSchemes"]["dataElementIdScheme"] == "UID"
    assert current(store, ["201401"]) == {
        ("ICT_REVENUE", "01@63", "201401", "actual"): (1.0, None),
        ("TEL_REVENUE", "01@63", "201401", "actual"): (2.0, None),
        ("IT_REVENUE", "01@63", "201401", "actual"): (3.0, "c"),
    }
    assert s["chitieu"]["counts"]["imported"] == 3 and s["chitieu"]["written"] == 3
    # the same payload again: every value identical, ignored, no new vintage
    again = run(store, "set_defaults.json", "dhis2-json").summary()
    assert again["response"]["importCount"] == {
        "imported": 0,
        "updated": 0,
        "ignored": 3,
        "deleted": 0,
    }
    assert store.count() == 3


def test_json_bulk_update_and_estimate(store):
    run(store, "set_defaults.json", "dhis2-json")
    res = run(store, "bulk.json", "dhis2-json").summary()
    assert res["response"]["importCount"] == {
        "imported": 2,
        "updated": 1,
        "ignored": 0,
        "deleted": 0,
    }
    got = current(store, ["201401", "201402"])
    assert got[("ICT_REVENUE", "01@63", "201401", "actual")] == (10.0, None)
    assert got[("ICT_REVENUE", "01@63", "201402", "actual")] == (11.0, None)
    assert got[("TEL_REVENUE", "79@63", "201401", "estimate")] == (12.5, "ước")


def test_csv_by_header_name(store):
    res = run(store, "values.csv", "dhis2-csv").summary()
    assert res["httpStatusCode"] == 200, res
    assert res["response"]["importCount"]["imported"] == 3
    got = current(store, ["201202", "201203"])
    assert got == {
        ("POST_REVENUE", "79@63", "201202", "estimate"): (7.0, None),
        ("POST_REVENUE", "01@63", "201202", "actual"): (8.0, "from the CSV"),
        ("ICT_REVENUE", "79@63", "201203", "actual"): (9.0, None),
    }


def test_adx_two_groups(store):
    res = run(
        store,
        "two_groups.adx.xml",
        "adx",
        idScheme="CODE",
        dataElementIdScheme="UID",
        orgUnitIdScheme="UID",
    ).summary()
    assert res["httpStatusCode"] == 200, res
    assert res["response"]["importCount"]["imported"] == 4
    got = current(store, ["201506", "2015S1"])
    assert got == {
        ("ICT_REVENUE", "48@63", "201506", "actual"): (32.0, None),
        ("TEL_REVENUE", "48@63", "201506", "actual"): (20.0, None),
        ("ICT_REVENUE", "48@63", "2015S1", "estimate"): (34.0, "ước tính"),
        ("TEL_REVENUE", "48@63", "2015S1", "actual"): (22.0, None),
    }


def test_dry_run_writes_nothing(store):
    res = run(store, "bulk.json", "dhis2-json", dryRun="true").summary()
    assert res["response"]["importOptions"]["dryRun"] is True
    assert res["response"]["importCount"]["imported"] == 3
    assert res["chitieu"]["written"] == 0
    assert store.count() == 0 and store.batches() == []


def test_conflicting_payload_rejected_whole(store):
    payload = {
        "period": "201401",
        "orgUnit": "01",
        "dataValues": [
            {"dataElement": "ICT_REVENUE", "value": "5"},
            {"dataElement": "NO_SUCH", "value": "6"},
            {"dataElement": "TEL_REVENUE", "value": "seven"},
            {"dataElement": "IT_REVENUE", "value": "1"},
            {"dataElement": "IT_REVENUE", "value": "2"},
            {"dataElement": "POST_REVENUE", "orgUnit": "99", "value": "3"},
            {"dataElement": "PPD_REVENUE", "period": "2014W01", "value": "3"},
            {"dataElement": "PRESS_REVENUE"},
        ],
    }
    res = import_dhis2(store, json.dumps(payload).encode(), "dhis2-json")
    s = res.summary()
    assert s["httpStatus"] == "Conflict" and s["httpStatusCode"] == 409
    assert s["status"] == "ERROR" and s["response"]["status"] == "ERROR"
    assert s["response"]["importCount"] == {"imported": 0, "updated": 0, "ignored": 8, "deleted": 0}
    by_code = {c["errorCode"]: c for c in s["response"]["conflicts"]}
    assert set(by_code) == {"E8103", "E8122", "E8128", "E8107", "E8100", "E8120"}
    assert by_code["E8103"] == {
        "object": "NO_SUCH",
        "objects": {"dataElement": "NO_SUCH"},
        "value": "Value #1 (dataValues[1]): no indicator 'NO_SUCH' (CODE scheme)",
        "errorCode": "E8103",
        "property": "dataElement",
        "indexes": [1],
        "chitieu": by_code["E8103"]["chitieu"],
    }
    assert by_code["E8103"]["chitieu"]["message"]["vi"].startswith("giá trị #1")
    assert by_code["E8103"]["chitieu"]["hint"]["en"]
    assert by_code["E8128"]["indexes"] == [3, 4]
    assert by_code["E8128"]["value"].startswith("Values #3, 4 all affect the same data value")
    assert by_code["E8122"]["indexes"] == [2] and by_code["E8122"]["property"] == "value"
    assert by_code["E8107"]["objects"] == {"orgUnit": "99"}
    assert by_code["E8100"]["indexes"] == [6]
    assert by_code["E8120"]["indexes"] == [7]
    assert s["response"]["rejectedIndexes"] == [1, 2, 3, 4, 5, 6, 7]
    assert store.count() == 0  # atomic: the valid value #0 was not written either


def test_unit_closed_for_the_period(store):
    """A code is resolved at the period's end: 80 in 2026 is Tây Ninh of the 34; a 63-system
    id after the merger is a unit closed for the period (E2019)."""
    payload = {
        "dataValues": [
            {"dataElement": "ICT_REVENUE", "period": "2026S1", "orgUnit": "80", "value": "1"},
            {"dataElement": "ICT_REVENUE", "period": "2026S1", "orgUnit": "80@63", "value": "1"},
        ]
    }
    s = import_dhis2(store, json.dumps(payload).encode(), "dhis2-json", query={"atomic": "false"})
    conflicts = s.summary()["response"]["conflicts"]
    assert [c["errorCode"] for c in conflicts] == ["E2019"] and conflicts[0]["indexes"] == [1]
    assert s.http_status == 409  # rejected values: 409, the others written (atomic=false)
    assert current(store, ["2026S1"]) == {("ICT_REVENUE", "80@34", "2026S1", "actual"): (1.0, None)}


def test_strategies_and_deletion_scope(store):
    run(store, "bulk.json", "dhis2-json")
    run(store, "set_defaults.json", "dhis2-json")
    # CREATE leaves stored keys alone, UPDATE ignores new keys
    create = {
        "dataValues": [
            {"dataElement": "ICT_REVENUE", "period": "201401", "orgUnit": "01", "value": "99"}
        ]
    }
    s = import_dhis2(
        store, json.dumps(create).encode(), "dhis2-json", query={"importStrategy": "CREATE"}
    ).summary()
    assert s["response"]["importCount"]["ignored"] == 1
    # a deletion scope: 01 × 201401 × {ICT_REVENUE, TEL_REVENUE}; the payload gives only
    # ICT_REVENUE, so TEL_REVENUE is deleted, IT_REVENUE (outside the scope) kept
    scope = {
        "deletion": {
            "orgUnits": ["01"],
            "periods": ["201401"],
            "elements": [{"dataElement": "ICT_REVENUE"}, "TEL_REVENUE"],
        },
        "dataValues": [
            {"dataElement": "ICT_REVENUE", "period": "201401", "orgUnit": "01", "value": "10"}
        ],
    }
    s = import_dhis2(store, json.dumps(scope).encode(), "dhis2-json").summary()
    assert s["response"]["importCount"] == {"imported": 0, "updated": 1, "ignored": 0, "deleted": 1}
    got = current(store, ["201401"])
    assert ("TEL_REVENUE", "01@63", "201401", "actual") not in got
    assert got[("IT_REVENUE", "01@63", "201401", "actual")] == (3.0, "c")
    # DELETE: every key given is deleted
    s = import_dhis2(
        store, json.dumps(create).encode(), "dhis2-json", query={"importStrategy": "DELETE"}
    ).summary()
    assert s["response"]["importCount"]["deleted"] == 1
    assert ("ICT_REVENUE", "01@63", "201401", "actual") not in current(store, ["201401"])


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"[" * 50 + b"]" * 50, "payload-too-deep"),
        (b'{"dataValues": [], "dataValues": []}', "payload-duplicate-key"),
        (b'{"dataValues": [1, 2', "payload-unreadable"),
    ],
)
def test_hostile_json_refused_with_place(store, raw, code):
    s = import_dhis2(store, raw, "dhis2-json").summary()
    c = s["response"]["conflicts"][0]
    assert s["httpStatusCode"] == 409 and c["indexes"] == [-1]
    assert c["chitieu"]["code"] == code and c["chitieu"]["message"]["en"]
    assert store.count() == 0


def test_too_many_values_413(store):
    payload = {
        "dataValues": [
            {"dataElement": "ICT_REVENUE", "period": "2023", "orgUnit": "01", "value": str(i)}
            for i in range(5)
        ]
    }
    res = import_dhis2(store, json.dumps(payload).encode(), "dhis2-json", max_values=4)
    assert res.http_status == 413 and res.summary()["httpStatusCode"] == 413
    assert store.count() == 0


@pytest.mark.parametrize(
    "doc",
    [
        b'<?xml version="1.0"?><!DOCTYPE adx [<!ENTITY x "boom">]>'
        b'<adx xmlns="urn:ihe:qrph:adx:2015">&x;</adx>',
        b'<?xml version="1.0"?><!DOCTYPE adx SYSTEM "http://127.0.0.1:9/x.dtd">'
        b'<adx xmlns="urn:ihe:qrph:adx:2015"/>',
        b'<?xml version="1.0"?><!DOCTYPE adx [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<adx xmlns="urn:ihe:qrph:adx:2015"><group orgUnit="01" period="2023-01-01/P1Y">'
        b'<dataValue dataElement="ICT_REVENUE" value="1"><annotation>&e;</annotation>'
        b"</dataValue></group></adx>",
    ],
)
def test_hostile_adx_refused(store, doc):
    s = import_dhis2(store, doc, "adx").summary()
    c = s["response"]["conflicts"][0]
    assert c["chitieu"]["code"] in ("payload-xml-forbidden", "payload-unreadable")
    assert c["indexes"] == [-1] and store.count() == 0


def test_registered_as_layouts(tmp_path):
    """The three readers are layouts of collect.layouts: recognised by content, read into the
    one import shape (conflicts as dhis2-conflict findings at the value's position)."""
    from chitieu.collect.importer import read_file
    from chitieu.collect.layouts import Options, layouts

    names = {lay.name for lay in layouts()}
    assert {"dhis2-json", "dhis2-csv", "adx"} <= names
    got = read_file(DATA / "values.csv", Options()).to_dict()
    assert got["layout"] == "dhis2-csv" and not got["valid"]
    assert got["findings"][0]["type"] == "dhis2-conflict" and got["findings"][0]["row"] == 1
    ok = b'{"dataValues": [{"dataElement": "ICT_REVENUE", "period": "2023", "orgUnit": "01",'
    ok += b' "value": "5"}]}'
    path = tmp_path / "ok.json"
    path.write_bytes(ok)
    got = read_file(path, Options()).to_dict()
    assert got["layout"] == "dhis2-json" and got["valid"]
    assert got["values"] == [
        {
            "indicator": "ICT_REVENUE",
            "unit": "01@63",
            "period": "2023",
            "kind": "actual",
            "value": 5.0,
        }
    ]


# --- parsers, by hypothesis ------------------------------------------------------------

PERIOD_IDS = st.builds(
    lambda y, kind, n: {
        "y": f"{y}",
        "s": f"{y}S{n % 2 + 1}",
        "q": f"{y}Q{n % 4 + 1}",
        "m": f"{y}{n % 12 + 1:02d}",
        "ytd": f"{y}YTD{n % 12 + 1:02d}",
    }[kind],
    st.integers(1990, 2100),
    st.sampled_from(["y", "s", "q", "m", "ytd"]),
    st.integers(0, 11),
)


@given(PERIOD_IDS)
def test_adx_periods_round_trip(pid):
    p = parse_period(pid)
    assert parse_adx_period(adx_period(p)) == p
    assert sdmx_period(p)  # every period has an SDMX form


@given(st.floats(allow_nan=False, allow_infinity=False, width=64))
def test_dhis2_numbers_read_back(x):
    assert float(number(x)) == x


@settings(max_examples=200)
@given(st.binary(max_size=400))
def test_readers_refuse_or_read_any_bytes(raw):
    for reader in (dhis2_json.parse_payload, dhis2_csv.parse_payload, adx_reader.parse_payload):
        try:
            payload = reader(raw)
        except PayloadError as exc:
            assert exc.code and exc.where
        else:
            assert all(v.index == i for i, v in enumerate(payload.values))


@settings(max_examples=100)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
        max_leaves=20,
    )
)
def test_json_reader_any_document(doc):
    with contextlib.suppress(PayloadError):
        dhis2_json.parse_payload(json.dumps({"dataValues": [doc]}).encode())


def test_cli_import_summary_and_exit_codes(tmp_path):
    from typer.testing import CliRunner

    from chitieu.cli.main import app

    db = f"sqlite:///{tmp_path / 'c.db'}"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"dataValues": [{"dataElement": "ICT_REVENUE", "period": "2023",
                                               "orgUnit": "01", "value": "x"}]}))  # fmt: skip
    r = CliRunner().invoke(app, ["import", str(bad), "--db", db, "--lang", "en"])
    assert r.exit_code == 1 and "E8122" in r.output and "not a number" in r.output
    ok = ["import", str(DATA / "values.csv"), "--db", db, "--id-scheme", "UID",
          "--mapping", str(DATA / "mapping.yaml"), "--json"]  # fmt: skip
    r = CliRunner().invoke(app, ok)
    assert r.exit_code == 0, r.output
    s = json.loads(r.stdout)
    assert s["response"]["importCount"]["imported"] == 3 and s["chitieu"]["written"] == 3
    assert s["chitieu"]["layout"] == "dhis2-csv" and s["chitieu"]["file"] == "values.csv"


def test_a_locked_report_is_a_conflict_e2017(demo_sqlite, tmp_path):
    """The demo's approved report (TTTT-6T, 04@34, 2026S1) is locked for a DHIS2 payload as
    for every writer (collect.ingest): 409, E2017 at the value's index, nothing written."""
    import shutil

    from chitieu import open_store

    copy = tmp_path / "demo.db"
    shutil.copy(demo_sqlite.removeprefix("sqlite:///"), copy)
    store = open_store(f"sqlite:///{copy}")
    before = store.history("ICT_REVENUE", "04@34", "2026S1", "estimate")
    payload = {"dataValues": [{"dataElement": "ICT_REVENUE", "period": "2026S1", "orgUnit": "04",
                               "categoryOptionCombo": "ESTIMATE", "value": "999"}]}  # fmt: skip
    res = import_dhis2(store, json.dumps(payload).encode(), "dhis2-json")
    s = res.summary()
    assert s["httpStatusCode"] == 409, s["response"]
    (c,) = s["response"]["conflicts"]
    assert c["errorCode"] == "E2017" and c["indexes"] == [0] and "TTTT-6T" in c["value"]
    assert store.history("ICT_REVENUE", "04@34", "2026S1", "estimate") == before
    store.engine.dispose()
