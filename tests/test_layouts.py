"""The foundations of issue 18: the registry of file layouts, the one JSON shape of an import,
and ingest's replace scope (a form's round replaced whole, keys it no longer gives deleted,
the same file again adding no vintage), on both backends."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest
from tests.test_cli import run

from chitieu.check.findings import Report
from chitieu.collect import ingest as ingest_mod
from chitieu.collect import layouts
from chitieu.collect.importer import import_file
from chitieu.collect.ingest import Origin, ReplaceScope, ingest
from chitieu.collect.layouts import ImportResult, Options, Source, choose
from chitieu.store.rows import NewValue

P = "2023S1"
SCOPE = ReplaceScope("TTTT-6T", "01@63", P, "estimate")


def _est(ind: str, value: float) -> NewValue:
    return NewValue(ind, "01@63", P, "estimate", value)


def _origin() -> Origin:
    return Origin("tester", "import", filename="bieu.xlsx")


def test_the_registry_lists_the_shipped_layouts_and_chooses_by_detect(tmp_path: Path) -> None:
    names = [x.name for x in layouts.layouts()]
    assert "long" in names and "form" in names
    csv = tmp_path / "v.csv"
    csv.write_text("indicator,unit,period,value,kind\nICT_REVENUE,01,2023S1,5,actual\n")
    assert choose(Source(csv)).name == "long"


def test_a_registered_layout_is_detected_and_its_values_are_stored(store, tmp_path) -> None:
    """What i21's readers do: a module with NAME, detect and read, registered."""
    mod = types.ModuleType("fake_layout")
    mod.NAME = "fake"  # type: ignore[attr-defined]

    def detect(source: Source) -> int:
        return 50 if source.suffix == ".fake" else 0

    def read(source: Source) -> ImportResult:
        vals = [NewValue("ICT_REVENUE", "01@63", P, "actual", float(source.head().strip()))]
        key = vals[0].key
        res = ImportResult(Report(), vals, parsed=vals, file=source.file, layout="fake")
        res.places = {key: {"file": source.file, "sheet": None, "row": 1, "cell": "A1"}}
        return res

    mod.detect, mod.read = detect, read  # type: ignore[attr-defined]
    sys.modules["fake_layout"] = mod
    layouts.register(mod)
    try:
        f = tmp_path / "x.fake"
        f.write_text("42\n")
        assert choose(Source(f)).name == "fake"
        res = import_file(f, store, created_by="t")
        assert res.report.valid and res.layout == "fake" and res.written == 1
        assert res.counts == {"imported": 1, "updated": 0, "ignored": 0, "deleted": 0}
        assert store.current([P])[0].value == 42
    finally:
        layouts._EXTRA.clear()
        sys.modules.pop("fake_layout", None)


def test_the_import_json_shape_counts_findings_with_cells_values(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    good = tmp_path / "good.csv"
    good.write_text(
        "indicator,unit,period,value,kind\n"
        "ICT_REVENUE,01,2023S1,5,actual\nICT_BUDGET,01,2023S1,2,actual\n"
    )
    out = json.loads(run("import", str(good), "--db", db, "--json").stdout)
    assert out["counts"] == {"imported": 2, "updated": 0, "ignored": 0, "deleted": 0}
    assert out["layout"] == "long" and out["valid"] and out["findings"] == []
    assert out["values"] == [
        {"indicator": "ICT_REVENUE", "unit": "01@63", "period": P, "kind": "actual", "value": 5.0},
        {"indicator": "ICT_BUDGET", "unit": "01@63", "period": P, "kind": "actual", "value": 2.0},
    ]
    good.write_text(
        "indicator,unit,period,value,kind\n"
        "ICT_REVENUE,01,2023S1,6,actual\nICT_BUDGET,01,2023S1,2,actual\n"
    )
    out = json.loads(run("import", str(good), "--db", db, "--json").stdout)
    assert out["counts"] == {"imported": 0, "updated": 1, "ignored": 1, "deleted": 0}
    bad = tmp_path / "bad.csv"
    bad.write_text("indicator,unit,period,value,kind\nICT_REVENUE,01,2023S1,abc,actual\n")
    done = run("import", str(bad), "--db", db, "--json", check=False)
    out = json.loads(done.stdout)
    assert done.returncode == 1 and out["values"] == [] and out["counts"]["imported"] == 0
    (f,) = out["findings"]
    assert (f["sheet"], f["cell"], f["row"], f["column"]) == (None, "D2", 2, "value")


def test_a_workbook_finding_names_its_sheet_and_cell(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Số liệu"
    ws.append(["kind", "indicator", "unit", "period", "value"])
    ws.append(["actual", "ICT_REVENUE", "01", "2023S1", "x"])
    path = tmp_path / "v.xlsx"
    wb.save(path)
    res = import_file(path, None, created_by="t", dry_run=True)
    (f,) = res.report.findings
    assert (f.sheet, f.cell, f.address) == ("Số liệu", "E2", "'Số liệu'!E2")


def test_replace_scope_deletes_what_the_form_no_longer_gives(store) -> None:
    given = (("ICT_REVENUE", 10), ("ICT_BUDGET", 2), ("ICT_GDP", 3), ("ICT_LABOUR", 40))
    first = [_est(i, v) for i, v in given]
    got = ingest(store, first, _origin(), replace=[SCOPE])
    assert got.counts == {"imported": 4, "updated": 0, "ignored": 0, "deleted": 0}
    # another round and another unit are outside the scope: never deleted
    store.write([NewValue("ICT_GDP", "01@63", P, "actual", 3.5),
                 NewValue("ICT_GDP", "79@63", P, "estimate", 9.0)],
                source="api", created_by="t")  # fmt: skip
    second = [_est("ICT_REVENUE", 11), _est("ICT_BUDGET", 2), _est("ICT_LABOUR", 40)]
    got = ingest(store, second, _origin(), replace=[SCOPE])
    assert got.report.valid and got.batch is not None and got.batch.rows == 2  # one vintage
    assert got.counts == {"imported": 0, "updated": 1, "ignored": 2, "deleted": 1}
    assert [v.key for v in got.deletions] == [("ICT_GDP", "01@63", P, "estimate")]
    assert [o.value for o in store.history("ICT_GDP", "01@63", P, "estimate")] == [3.0, None]
    now = {(o.indicator, o.unit, o.kind): o.value for o in store.current([P])}
    assert ("ICT_GDP", "01@63", "estimate") not in now
    assert now[("ICT_GDP", "01@63", "actual")] == 3.5 and now[("ICT_GDP", "79@63", "estimate")] == 9
    # the same file again: no vintage
    before = store.count()
    again = ingest(store, second, _origin(), replace=[SCOPE])
    assert store.count() == before and again.written == 0
    assert again.counts == {"imported": 0, "updated": 0, "ignored": 3, "deleted": 0}


def test_replace_scope_read_again_in_the_transaction(store, monkeypatch) -> None:
    """A key of the scope stored after the scope was read (another writer): the write is
    made again with its deletion, never leaving the stray key behind."""
    ingest(store, [_est("ICT_REVENUE", 10), _est("ICT_GDP", 3)], _origin(), replace=[SCOPE])
    real, calls = ingest_mod.stored_in, []

    def stale_first(conn, unit, period, kind, inds):  # type: ignore[no-untyped-def]
        calls.append(1)
        got = real(conn, unit, period, kind, inds)
        return {k: v for k, v in got.items() if k != "ICT_GDP"} if len(calls) == 1 else got

    monkeypatch.setattr(ingest_mod, "stored_in", stale_first)
    got = ingest(store, [_est("ICT_REVENUE", 10)], _origin(), replace=[SCOPE])
    assert len(calls) >= 3 and got.counts["deleted"] == 1
    assert [o.indicator for o in store.current([P])] == ["ICT_REVENUE"]


def test_a_dry_run_counts_what_it_would_do(store) -> None:
    ingest(store, [_est("ICT_REVENUE", 10), _est("ICT_GDP", 3)], _origin(), replace=[SCOPE])
    got = ingest(store, [_est("ICT_REVENUE", 12)], _origin(), replace=[SCOPE], dry_run=True)
    assert got.counts == {"imported": 0, "updated": 1, "ignored": 0, "deleted": 1}
    assert store.count() == 2


@pytest.mark.parametrize("name", ["long", "form"])
def test_options_name_a_layout(name: str, tmp_path: Path) -> None:
    f = tmp_path / "v.csv"
    f.write_text("x\n")
    assert choose(Source(f, Options(layout=name))).name == name
