"""Official form sheets read by the wide reader (issue 18, Deliver 1–4 and 6): workbooks built
by hand with openpyxl as provinces fill them — merged titles and headers, NFD names, text
numbers, footnotes, a derived column, an uncached formula, an unknown indicator, a pre-2025
province in 2026 — every finding at its sheet and cell and nothing written; the happy path
stores exactly the expected values, and a re-import replaces the form's round (both
backends)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from tests.forms_book import HALF_ROWS, nfd, save
from tests.test_cli import run

from chitieu.collect.importer import import_file
from chitieu.store.rows import NewValue

LA = "80@63"


def _rows(**changes: list) -> list[list]:  # type: ignore[type-arg]
    rows = copy.deepcopy(HALF_ROWS)
    for i, row in changes.items():
        rows[int(i[1:])] = row
    return rows


def _current(store) -> dict[tuple[str, str, str], float]:  # type: ignore[no-untyped-def]
    return {(o.indicator, o.period, str(o.kind)): o.value for o in store.current(
        ["2022S1", "2023S1", "2023"], units=[LA])}  # fmt: skip


def test_a_half_year_form_is_stored_exactly(store, tmp_path: Path) -> None:
    path = save(tmp_path / "bieu.xlsx", ("Biểu 01", {}))
    res = import_file(path, store, created_by="t")
    assert res.report.valid, [f.to_dict() for f in res.report.findings]
    assert res.layout == "form" and [s.to_dict() for s in res.replace] == [
        {"form": "TTTT-6T", "unit": LA, "period": "2023S1", "round": "estimate"}
    ]
    assert _current(store) == {
        ("ICT_REVENUE", "2023S1", "estimate"): 1234.5,  # "1.234,5" as text
        ("ICT_BUDGET", "2023S1", "estimate"): 42,
        ("ICT_GDP", "2023S1", "estimate"): 330,
        ("ICT_LABOUR", "2023S1", "estimate"): 5200,
        # compare-only columns, nothing stored for them: written with the file
        ("ICT_REVENUE", "2022S1", "actual"): 1000,
        ("ICT_BUDGET", "2022S1", "actual"): 40,
        ("ICT_GDP", "2022S1", "actual"): 300,
        ("ICT_LABOUR", "2022S1", "actual"): 5000,
        ("ICT_REVENUE", "2023", "plan"): 2600,
        ("ICT_BUDGET", "2023", "plan"): 90,
        ("ICT_GDP", "2023", "plan"): 700,
    }
    assert res.counts == {"imported": 11, "updated": 0, "ignored": 0, "deleted": 0}
    where = res.places[("ICT_REVENUE", LA, "2023S1", "estimate")]
    assert (where["sheet"], where["cell"]) == ("Biểu 01", "F9")
    # the same file again adds no vintage
    n = store.count()
    again = import_file(path, store, created_by="t")
    assert store.count() == n and again.written == 0
    # the compare-only columns' figures, the same as stored, are ignored too
    assert again.counts == {"imported": 0, "updated": 0, "ignored": 11, "deleted": 0}


def test_a_reimport_replaces_the_round_and_compares_the_rest(store, tmp_path: Path) -> None:
    import_file(save(tmp_path / "a.xlsx", ("Biểu 01", {})), store, created_by="t")
    rows = _rows(r0=[1, "Doanh thu toàn ngành TT&TT", "01", "tỷ đồng", 999, 1300, 2600, 130])
    del rows[2]  # ICT_GDP no longer given
    res = import_file(save(tmp_path / "b.xlsx", ("Biểu 01", {"rows": rows})), store,
                      created_by="t")  # fmt: skip
    assert res.report.valid
    assert res.counts == {"imported": 0, "updated": 1, "ignored": 6, "deleted": 1}
    now = _current(store)
    assert now[("ICT_REVENUE", "2023S1", "estimate")] == 1300
    assert ("ICT_GDP", "2023S1", "estimate") not in now
    assert now[("ICT_GDP", "2022S1", "actual")] == 300  # another round: untouched
    assert now[("ICT_REVENUE", "2022S1", "actual")] == 1000  # the stored figure is kept
    (w,) = [f for f in res.report.findings if f.type == "form-compare-differs"]
    assert (w.address, w.severity, w.params["stored"]) == ("'Biểu 01'!E9", "warning", "1000")
    hist = store.history("ICT_GDP", LA, "2023S1", "estimate")
    assert [h.value for h in hist] == [330, None]


def _errors(path: Path, **kw) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    res = import_file(path, None, created_by="t", dry_run=True, **kw)
    assert not res.report.valid and res.values == []
    return sorted((f.type, f.address) for f in res.report.findings if f.severity == "error")


def test_every_error_is_placed_at_its_cell(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    rows = _rows(
        r0=[1, "Doanh thu toàn ngành TT&TT", "01", "tỷ đồng", 1000, "1.234,5", 2600, "150"],
        r3=[4, "Doanh thu quảng cáo trực tuyến", "", "tỷ đồng", 12, 15, None, None],
    )
    path = save(tmp_path / "bad.xlsx", ("Biểu 01", {"rows": rows}))
    wb = load_workbook(path)
    wb["Biểu 01"]["F10"] = "=E10*1.05"  # a formula never calculated (no cached value)
    wb.save(path)
    assert _errors(path) == [
        ("form-derived-mismatch", "'Biểu 01'!H9"),
        ("form-unknown-indicator", "'Biểu 01'!B12"),
        ("formula-no-result", "'Biểu 01'!F10"),
    ]


def test_a_province_merged_in_2025_is_refused_in_2026_naming_its_successor(tmp_path) -> None:
    path = save(tmp_path / "la.xlsx", ("Biểu 01", {"year": 2026}))
    res = import_file(path, None, created_by="t", dry_run=True)
    (f,) = [f for f in res.report.findings if f.severity == "error"]
    assert (f.type, f.address) == ("form-unit", "'Biểu 01'!F1")
    assert "Tây Ninh" in f.hint("vi") and "80@34" in f.hint("en") and "80@63" in f.message("en")


def test_nfd_names_without_codes_and_a_department_after_the_merger(tmp_path) -> None:
    rows = [[r[0], nfd(r[1].upper()), "", r[3], *r[4:]] for r in HALF_ROWS]
    line = "Đơn vị báo cáo: Sở Khoa học và Công nghệ tỉnh Tây Ninh"
    path = save(tmp_path / "tn.xlsx", ("B01", {"rows": rows, "year": 2026, "unit_line": line}))
    res = import_file(path, None, created_by="t", dry_run=True)
    assert res.report.valid, [f.to_dict() for f in res.report.findings]
    got = {(v.indicator, v.unit, v.period, v.kind) for v in res.parsed}
    assert ("ICT_REVENUE", "80@34", "2026S1", "estimate") in got and len(res.replace) == 1


def test_several_units_in_one_workbook(store, tmp_path: Path) -> None:
    hanoi = "Đơn vị báo cáo: Sở Thông tin và Truyền thông Thành phố Hà Nội"
    path = save(tmp_path / "two.xlsx", ("Long An", {}), ("Hà Nội", {"unit_line": hanoi}))
    res = import_file(path, store, created_by="t")
    assert res.report.valid and {s.unit for s in res.replace} == {LA, "01@63"}
    assert res.written == 22


def test_a_unit_of_measure_is_converted_or_refused(tmp_path: Path) -> None:
    rows = _rows(r0=[1, "Doanh thu toàn ngành TT&TT", "01", "triệu đồng", 1_000_000,
                     "1.234.500", None, None])  # fmt: skip
    res = import_file(save(tmp_path / "m.xlsx", ("B", {"rows": rows})), None, created_by="t",
                      dry_run=True)  # fmt: skip
    assert res.report.valid
    got = {(v.indicator, v.period): v.value for v in res.parsed if v.indicator == "ICT_REVENUE"}
    assert got == {("ICT_REVENUE", "2023S1"): 1234.5, ("ICT_REVENUE", "2022S1"): 1000}
    rows = _rows(r1=[2, "Nộp ngân sách nhà nước", "02", "USD", 40, 42, 90, 105])
    assert _errors(save(tmp_path / "u.xlsx", ("B", {"rows": rows}))) == [
        ("form-measure", "'B'!D10")
    ]


def test_the_title_and_the_options_must_agree(tmp_path: Path) -> None:
    path = save(tmp_path / "p.xlsx", ("B", {}))
    assert _errors(path, period="2023S2") == [("form-period-mismatch", "'B'!A4")]
    untitled = save(tmp_path / "q.xlsx", ("B", {"title": "BÁO CÁO KẾT QUẢ"}))
    assert _errors(untitled) == [("form-no-period", None)]
    res = import_file(untitled, None, created_by="t", dry_run=True, period="2023S1")
    assert res.report.valid


def test_a_footnote_mark_makes_an_estimate(tmp_path: Path) -> None:
    rows = _rows(r1=[2, "Nộp ngân sách nhà nước", "02", "tỷ đồng", "40 (*)", 42, 90, 105])
    res = import_file(save(tmp_path / "f.xlsx", ("B", {"rows": rows})), None, created_by="t",
                      dry_run=True)  # fmt: skip
    assert res.report.valid
    kinds = {(v.indicator, v.period): v.kind for v in res.parsed}
    assert kinds[("ICT_BUDGET", "2022S1")] == "estimate"  # "(*) Số ước"
    assert kinds[("ICT_REVENUE", "2022S1")] == "actual"


@pytest.mark.parametrize("lang", ["vi"])
def test_the_cli_reads_a_form_by_itself_and_dry_runs_it(tmp_path: Path, lang: str) -> None:
    path = save(tmp_path / "bieu.xlsx", ("Biểu 01", {}))
    db = f"sqlite:///{tmp_path / 'c.db'}"
    out = json.loads(run("import", str(path), "--db", db, "--dry-run", "--json").stdout)
    assert out["layout"] == "form" and out["valid"] and out["values_total"] == 11
    assert out["values"][0] == {"indicator": "ICT_REVENUE", "unit": LA, "period": "2023S1",
                                "kind": "estimate", "value": 1234.5}  # fmt: skip
    table = run("import", str(path), "--db", db, "--dry-run", "--lang", lang).stdout
    assert "ICT_REVENUE" in table and "2023S1" in table
    assert NewValue  # the values' type, for readers of this test


@pytest.mark.parametrize("make", ["far_cell_xlsx", "zip_bomb", "entity_bomb_xlsx",
                                  "malformed_xlsx"])  # fmt: skip
def test_hostile_workbooks_are_refused_before_the_form_reader(make: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests import hostile

    path = tmp_path / "bieu.xlsx"
    path.write_bytes(getattr(hostile, make)())
    db = f"sqlite:///{tmp_path / 'h.db'}"
    done = run("import", str(path), "--form", "TTTT-6T", "--db", db, "--json", check=False)
    assert done.returncode == 2, done.stdout + done.stderr
