"""Import of long-layout CSV/XLSX: all errors in one pass, all or nothing, number formats."""

import unicodedata

import openpyxl
import pytest

from chitieu.collect.importer import import_file
from chitieu.errors import InputFileError


def write(tmp_path, text, name="in.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


GOOD = """indicator,unit,period,value,kind,comment
ICT_REVENUE,VN,2023S1,1.614.206,estimate,từ báo cáo
ICT_LABOUR,Toàn quốc,2023S1,1.512.144,ước,
ICT_REVENUE,Tỉnh Long An,2023,"12.345,5",actual,
ICT_REVENUE,80,2026S1,7,thực hiện,
"""


def test_valid_file_is_stored_as_one_batch(tmp_path, store):
    res = import_file(write(tmp_path, GOOD), store, created_by="tester")
    assert res.report.valid, res.report.to_json()
    assert res.locale == "vi" and res.written == 4
    got = {(o.indicator, o.unit, o.period): o for o in store.current(["2023S1", "2023", "2026S1"])}
    assert got[("ICT_REVENUE", "VN", "2023S1")].value == 1614206
    assert got[("ICT_REVENUE", "VN", "2023S1")].comment == "từ báo cáo"
    assert got[("ICT_LABOUR", "VN", "2023S1")].kind == "estimate"
    # the same code 80 is Long An in 2023 and Tây Ninh in 2026
    assert got[("ICT_REVENUE", "80@63", "2023")].value == 12345.5
    assert got[("ICT_REVENUE", "80@34", "2026S1")].value == 7
    assert {b["created_by"] for b in store.batches()} == {"tester"}


def test_file_with_several_errors_reports_all_and_writes_nothing(tmp_path, store):
    import_file(write(tmp_path, GOOD, "first.csv"), store, created_by="t")
    before = store.count()
    bad = """indicator,unit,period,value,kind
ICT_REVENU,VN,2023S1,1,actual
ICT_REVENUE,Long An,2026S1,5,actual
ICT_REVENUE,VN,2023X,5,actual
ICT_REVENUE,VN,2023,abc,actual
ICT_REVENUE,VN,2023,5,maybe
ICT_LABOUR,VN,2023,"10,5",actual
PUB_COPIES_PER_CAPITA,VN,2023,5,actual
ICT_BUDGET,VN,2023,,actual
ICT_GDP,VN,2023,1,plan
ICT_GDP,VN,2023,2,plan
ICT_REVENUE,Nowhere Province,2023,5,actual
"""
    res = import_file(write(tmp_path, bad), store, created_by="t")
    rep = res.report
    assert not rep.valid and res.written == 0
    assert store.count() == before  # nothing written, nothing damaged
    by_row = {(f.row, f.type) for f in rep.findings}
    assert by_row == {
        (2, "unknown-indicator"),
        (3, "unknown-unit"),
        (4, "bad-period"),
        (5, "bad-number"),
        (6, "bad-kind"),
        (7, "not-integer"),
        (8, "derived-indicator"),
        (9, "missing-value"),
        (11, "duplicate-row"),
        (12, "unknown-unit"),
    }
    merged = next(f for f in rep.findings if f.row == 3)
    assert "Tây Ninh" in merged.hint("en") and merged.column == "unit"
    assert merged.message("vi") == (
        "Không xác định được đơn vị 'Long An' cho kỳ 2026S1: "
        "Tỉnh Long An (80@63) không còn tồn tại vào ngày 30/06/2026"
    )
    assert merged.hint("vi").startswith("Long An đã hợp nhất vào Tỉnh Tây Ninh (80@34) từ ngày")
    assert all(f.file == "in.csv" for f in rep.findings)
    d = rep.to_dict()
    assert d["errors"] == 10 and d["counts"]["unknown-unit"] == 2
    assert d["findings"][0]["message"]["vi"] and d["findings"][0]["hint"]["en"]


def test_ambiguous_numbers_are_refused_unless_locale_decides(tmp_path, store):
    text = "indicator,unit,period,value,kind\nICT_BUDGET,VN,2023,45.405,actual\n"
    p = write(tmp_path, text)
    res = import_file(p, store, created_by="t")
    assert [f.type for f in res.report.findings] == ["ambiguous-number"]
    assert "45405" in res.report.findings[0].message("en")
    assert import_file(p, store, created_by="t", locale="vi").report.valid
    assert store.current(["2023"])[0].value == 45405
    res_en = import_file(p, None, created_by="t", locale="en", dry_run=True)
    assert res_en.values[0].value == pytest.approx(45.405)


def test_an_unambiguous_cell_decides_the_file(tmp_path):
    text = "indicator,unit,period,value,kind\n" + "ICT_BUDGET,VN,2023,45.405,actual\n"
    text += 'ICT_GDP,VN,2023,"8,66",actual\n'
    res = import_file(write(tmp_path, text), None, created_by="t", dry_run=True)
    assert res.report.valid and res.locale == "vi"
    assert [v.value for v in res.values] == [45405, 8.66]


def test_mixed_formats_are_refused(tmp_path):
    text = "indicator,unit,period,value,kind\n" + 'ICT_BUDGET,VN,2023,"1,614,206",actual\n'
    text += 'ICT_GDP,VN,2023,"8,66",actual\n'
    res = import_file(write(tmp_path, text), None, created_by="t", dry_run=True)
    assert [f.type for f in res.report.findings] == ["mixed-number-format"]


def test_vietnamese_headers_nfd_names_and_semicolons(tmp_path):
    text = unicodedata.normalize(
        "NFD",
        "Chỉ tiêu;Đơn vị;Kỳ báo cáo;Giá trị;Loại số liệu;Ghi chú\n"
        "ICT_REVENUE;THÀNH PHỐ HỒ CHÍ MINH;2023S1;1.234,5;Ước;\n"
        "ICT_REVENUE;TP. Hà Nội;2023S1;99;kế hoạch;\n",
    )
    res = import_file(write(tmp_path, text), None, created_by="t", dry_run=True)
    assert res.report.valid, res.report.to_json()
    assert [(v.unit, v.kind, v.value) for v in res.values] == [
        ("79@63", "estimate", 1234.5),
        ("01@63", "plan", 99.0),
    ]


def test_missing_columns_named(tmp_path):
    res = import_file(write(tmp_path, "indicator,unit,value\nA,B,1\n"), None, created_by="t")
    assert sorted(f.column for f in res.report.findings) == ["kind", "period"]


def test_xlsx_errors_name_sheet_and_row(tmp_path, store):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Số liệu"
    ws.append(["indicator", "unit", "period", "value", "kind"])
    ws.append(["ICT_REVENUE", "VN", "2023S1", 1614206, "estimate"])
    ws.append(["ICT_REVENUE", "VN", "2022S1", "abc", "actual"])
    path = tmp_path / "data.xlsx"
    wb.save(path)
    res = import_file(path, store, created_by="t")
    [f] = res.report.findings
    assert (f.file, f.sheet, f.row, f.column, f.value) == (
        "data.xlsx",
        "Số liệu",
        3,
        "value",
        "abc",
    )
    assert store.count() == 0
    ws.delete_rows(3)
    wb.save(path)
    assert import_file(path, store, created_by="t").written == 1


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("x.pdf", b"%PDF", "cannot be imported"),
        ("x.csv", b"\xff\xfe\x00bad", "not UTF-8"),
        ("x.xlsx", b"not a zip", "cannot be opened"),
    ],
)
def test_unreadable_files_raise_clear_errors(tmp_path, name, content, match):
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(InputFileError, match=match):
        import_file(p, None, created_by="t")
