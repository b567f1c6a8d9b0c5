"""Exports (issue 21): round trips through DHIS2 JSON and ADX, SDMX read back and validated
against the generated structure with E/P/A right for the demo's H1/2023 estimates, a
cumulative period left out of DHIS2 with a warning and written to ADX, Parquet read back by
DuckDB and pandas, Excel's formula-like text neutralised, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from chitieu import open_store
from chitieu.cli.main import app
from chitieu.collect.layouts.dhis2_write import import_dhis2
from chitieu.interop import sdmx
from chitieu.interop.export import ExportError, ExportRequest, export, export_bytes
from chitieu.store.exchange import Selection
from chitieu.store.values import NewValue

H1 = Selection(periods=["2023S1"])


def current(store, periods):  # type: ignore[no-untyped-def]
    return {
        (o.indicator, o.unit, o.period, o.kind): (o.value, o.comment)
        for o in store.current(periods)
    }


@pytest.mark.parametrize("fmt", ["dhis2-json", "adx", "dhis2-csv"])
def test_round_trip_into_an_empty_store(demo_sqlite, db_url, fmt):
    """chitieu → DHIS2 JSON (ADX, CSV) → an empty chitieu: the same current values."""
    demo = open_store(demo_sqlite)
    periods = ["2022S1", "2023S1", "2023"]
    body, res = export_bytes(demo, ExportRequest(fmt, selection=Selection(periods=periods)))
    assert res.rows > 200 and res.warnings == []
    empty = open_store(db_url)
    got = import_dhis2(empty, body, fmt, query={"importStrategy": "CREATE_AND_UPDATE"})
    assert got.http_status == 200, got.summary()["response"]["conflicts"][:3]
    assert got.counts["imported"] == res.rows
    assert current(empty, periods) == current(demo, periods)
    again = import_dhis2(empty, body, fmt)  # and back again: nothing changes
    assert again.counts["ignored"] == res.rows and again.counts["imported"] == 0
    empty.engine.dispose()


def test_sdmx_read_back_and_valid_with_obs_status(demo_sqlite):
    demo = open_store(demo_sqlite)
    structure = sdmx.structure_message()
    for fmt in ("sdmx-csv", "sdmx-ml"):
        body, res = export_bytes(demo, ExportRequest(fmt, selection=H1))
        text = body.decode()
        assert sdmx.validate(text, structure) == []
        from pysdmx.io import read_sdmx

        frame = read_sdmx(text).data[0].data
        assert len(frame) == res.rows
        nation = frame[frame.REF_AREA == "VN"]  # the review's H1/2023 figures: estimates
        assert len(nation) >= 4 and set(nation.TIME_PERIOD) == {"2023-S1"}
        assert set(nation.OBS_STATUS) == {"E"} and set(nation.KIND) == {"ESTIMATE"}
    actual = export_bytes(demo, ExportRequest("sdmx-csv", selection=Selection(["2022S1"])))
    frame = read_sdmx(actual[0].decode()).data[0].data
    kinds = dict(zip(frame.KIND, frame.OBS_STATUS, strict=False))
    assert kinds.get("ACTUAL") in ("A", "P") and "E" not in set(
        frame[frame.KIND == "ACTUAL"].OBS_STATUS
    )


def test_obs_status_precedence():
    """B over E over P over A; the break is also an attribute of its own."""
    assert sdmx.obs_status("80@34", "2025S2", "estimate", "provisional") == ("B", "MERGER_2025")
    assert sdmx.obs_status("80@34", "2026S2", "estimate", "final") == ("E", None)
    assert sdmx.obs_status("80@63", "2024S1", "actual", "provisional") == ("P", None)
    assert sdmx.obs_status("VN", "2025S2", "actual", "final") == ("A", None)


def test_sdmx_validation_catches_a_bad_code(demo_sqlite):
    body, _ = export_bytes(open_store(demo_sqlite), ExportRequest("sdmx-csv", selection=H1))
    broken = body.decode().replace(",ICT_REVENUE,", ",NOT_AN_INDICATOR,", 1)
    assert any("INDICATOR" in p for p in sdmx.validate(broken))


def test_ytd_left_out_of_dhis2_with_warning_written_to_adx(store):
    store.write(
        [
            NewValue("ICT_REVENUE", "01@63", "2023YTD09", "actual", 5.0),
            NewValue("ICT_REVENUE", "01@63", "2023S1", "actual", 3.0),
        ],
        source="test",
        created_by="test",
    )
    sel = Selection(periods=["2023YTD09", "2023S1"])
    body, res = export_bytes(store, ExportRequest("dhis2-json", selection=sel))
    assert [v["period"] for v in json.loads(body)["dataValues"]] == ["2023S1"]
    assert res.warnings == [
        {"code": "export-period-not-in-dhis2", "values": 1, "names": ["2023YTD09"]}
    ]
    adx, res = export_bytes(store, ExportRequest("adx", selection=sel))
    assert b'period="2023-01-01/P9M"' in adx and res.warnings == []
    back = import_dhis2(store, adx, "adx")
    assert back.counts["ignored"] == 2, back.summary()


def test_parquet_reads_back_in_duckdb_and_pandas(demo_sqlite, tmp_path):
    import duckdb
    import pandas as pd

    demo = open_store(demo_sqlite)
    out = tmp_path / "obs.parquet"
    res = export(demo, ExportRequest("parquet"), out)
    n = sum(len(demo.current([p])) for p in demo.periods())
    assert res.rows == n
    assert duckdb.connect().execute(f"SELECT count(*) FROM '{out}'").fetchone()[0] == n
    frame = pd.read_parquet(out)
    assert len(frame) == n and frame["value"].dtype == "float64"
    assert str(frame["created_at"].dtype).startswith("datetime64") and "UTC" in str(
        frame["created_at"].dtype
    )
    table = pq.read_table(out)
    assert table.schema.field("indicator").type == "string"  # not pandas categories


def test_vintages_and_as_of(store, tmp_path):
    from datetime import datetime

    store.write(
        [NewValue("ICT_REVENUE", "01@63", "2023", "actual", 1.0)],
        source="t",
        created_by="t",
        at=datetime(2023, 2, 1),
    )
    store.write(
        [NewValue("ICT_REVENUE", "01@63", "2023", "actual", 2.0)],
        source="t",
        created_by="t",
        at=datetime(2023, 3, 1),
    )

    def values(**kw):  # type: ignore[no-untyped-def]
        out = tmp_path / "x.parquet"
        export(store, ExportRequest("parquet", **kw), out)
        return pq.read_table(out).column("value").to_pylist()

    assert values() == [2.0]
    assert values(vintages="all") == [1.0, 2.0]
    assert values(as_of=datetime(2023, 2, 15)) == [1.0]


def test_excel_neutralises_formula_text(store, tmp_path):
    from openpyxl import load_workbook

    store.write(
        [NewValue("ICT_REVENUE", "01@63", "2023", "actual", 1.5, comment='=HYPERLINK("http://x")')],
        source="t",
        created_by="t",
    )
    out = tmp_path / "obs.xlsx"
    export(store, ExportRequest("xlsx"), out)
    ws = load_workbook(out).active
    cells = {c.value: c for row in ws.iter_rows() for c in row if c.value is not None}
    bad = cells['=HYPERLINK("http://x")']
    assert bad.data_type == "s" and bad.quotePrefix
    assert cells[1.5].number_format.startswith("#,##0")
    csv_out = tmp_path / "obs.csv"
    export(store, ExportRequest("csv"), csv_out)
    assert "'=HYPERLINK" in csv_out.read_text()


def test_facts_export(demo_sqlite, tmp_path):
    out = tmp_path / "facts.parquet"
    res = export(open_store(demo_sqlite), ExportRequest("parquet", what="facts", selection=H1), out)
    rows = pq.read_table(out).to_pylist()
    assert res.rows == len(rows) > 0
    nation = [r for r in rows if r["unit"] == "VN" and r["units_expected"]]
    assert nation and all(
        r["units_reporting"] + r["estimates_used"] <= r["units_expected"] for r in nation
    )


def test_refusals():
    with pytest.raises(ExportError):
        ExportRequest("dhis2-json", vintages="all").check()
    with pytest.raises(ExportError):
        ExportRequest("parquet", what="facts").check()
    with pytest.raises(ExportError):
        ExportRequest("pdf").check()


def test_cli_export(demo_sqlite, tmp_path):
    r = CliRunner().invoke(
        app,
        [
            "export",
            "--format",
            "dhis2-json",
            "--period",
            "2023S1",
            "--unit",
            "VN",
            "--db",
            demo_sqlite,
        ],
    )
    assert r.exit_code == 0, r.output
    values = json.loads(r.stdout)["dataValues"]
    assert values and {v["orgUnit"] for v in values} == {"VN"}
    r = CliRunner().invoke(app, ["export", "--format", "parquet", "--db", demo_sqlite])
    assert r.exit_code == 2
    out = tmp_path / "h1.xml"
    r = CliRunner().invoke(
        app,
        [
            "export",
            "-f",
            "sdmx-ml",
            "--period",
            "2023S1",
            "--out",
            str(out),
            "--db",
            demo_sqlite,
            "--json",
        ],
    )
    assert r.exit_code == 0 and json.loads(r.stdout)["rows"] > 0
    assert sdmx.validate(out.read_text()) == []
    # and chitieu import recognises an ADX file by its content
    adx = tmp_path / "h1.adx"
    CliRunner().invoke(
        app, ["export", "-f", "adx", "--period", "2023S1", "--out", str(adx), "--db", demo_sqlite]
    )
    r = CliRunner().invoke(app, ["import", str(adx), "--dry-run", "--json", "--db", demo_sqlite])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["response"]["responseType"] == "ImportSummary"
    assert summary["chitieu"]["layout"] == "adx" and summary["chitieu"]["dry_run"] is True
    assert summary["response"]["importCount"]["ignored"] > 0


def test_uid_round_trip_through_the_mapping(store):
    """Exported with DHIS2's UIDs (the mapping file), imported back by UID: the same values;
    a value whose indicator the mapping has no UID for is left out with a warning."""
    from chitieu.collect.layouts.dhis2_ids import Mapping

    m = Mapping.load(Path(__file__).parent / "data" / "dhis2" / "mapping.yaml")
    store.write([NewValue("ICT_REVENUE", "01@63", "2023S1", "estimate", 7.5),
                 NewValue("TEL_REVENUE", "79@63", "2023S1", "actual", 2.0),
                 NewValue("ICT_GDP", "01@63", "2023S1", "actual", 1.0)],
                source="t", created_by="t")  # fmt: skip
    req = ExportRequest("dhis2-json", selection=H1, scheme="UID", mapping=m)
    body, res = export_bytes(store, req)
    doc = json.loads(body)
    assert {v["dataElement"] for v in doc["dataValues"]} == {"f7n9E0hX8qk", "Ix2HsbDMLea"}
    assert {v["categoryOptionCombo"] for v in doc["dataValues"] if "categoryOptionCombo" in v} == {
        "Prlt0C1RF0s"
    }
    assert res.warnings == [{"code": "export-no-uid", "values": 1, "names": ["ICT_GDP"]}]
    before = current(store, ["2023S1"])
    back = import_dhis2(store, body, "dhis2-json", query={"idScheme": "UID"}, mapping=m)
    assert back.counts["ignored"] == 2 and current(store, ["2023S1"]) == before
