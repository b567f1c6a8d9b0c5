"""Total rows of an official sheet recomputed from their parts (issue 18, Deliver 2): a
"Tổng cộng" row and a catalog total over its components are compared with the sum of their
rows — a disagreement is a finding at the total's cell and nothing is written; totals that
agree leave the parts stored and the label total row not stored (both backends)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from tests.forms_book import half_sheet

from chitieu.catalog.forms import forms
from chitieu.collect.importer import import_file

LA = "80@63"
PARTS = [
    [1, "Doanh thu lĩnh vực viễn thông", "01", "tỷ đồng", 100, 110, 200, 110],
    [2, "Doanh thu công nghiệp công nghệ thông tin", "02", "tỷ đồng", 50, 60, 120, 120],
    [3, "Doanh thu lĩnh vực bưu chính", "03", "triệu đồng", 10_000, 11_500, 20_000, 115],
    [4, "Doanh thu lĩnh vực xuất bản, in và phát hành", "04", "tỷ đồng", 5, 6, 10, 120],
    [5, "Doanh thu lĩnh vực báo chí, phát thanh, truyền hình", "05", "tỷ đồng", 20, 22, 40, 110],
]
#: the parts' sums in tỷ đồng (bưu chính printed in triệu đồng): E, F, G
SUMS = (185, 209.5, 390)
FORM = """
forms:
  - code: TEST-LV
    name: {vi: "Doanh thu các lĩnh vực (thử)", en: "Revenue by sub-sector (test)"}
    indicators: [ICT_REVENUE, TEL_REVENUE, IT_REVENUE, POST_REVENUE, PPD_REVENUE,
                 PRESS_REVENUE]
    period_type: half
    reporters: provinces
    approval_levels: 1
    rounds:
      - {round: estimate, deadline: {days_before_end: 10}}
    layout:
      number: "09/TEST-LV"
      title: "BÁO CÁO DOANH THU {HALF} {year}"
      issued: "Ban hành kèm theo Thông tư số 04/2022/TT-BTTTT"
      receiver: "Bộ Thông tin và Truyền thông"
      rows:
        - {indicator: TEL_REVENUE, code: "01"}
        - {indicator: IT_REVENUE, code: "02"}
        - {indicator: POST_REVENUE, code: "03"}
        - {indicator: PPD_REVENUE, code: "04"}
        - {indicator: PRESS_REVENUE, code: "05"}
        - {indicator: ICT_REVENUE, code: "06"}
      columns:
        - ["Thực hiện {half} {prev_year}"]
        - ["Năm {year}", "Ước thực hiện {half} {year}"]
        - ["Năm {year}", "Kế hoạch năm {year}"]
        - ["So sánh cùng kỳ (%)"]
      conversions:
        "tỷ đồng": {to: ty_dong, factor: 1}
        "triệu đồng": {to: ty_dong, factor: 0.001}
"""


@pytest.fixture(autouse=True)
def _form(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    path = tmp_path / "forms.yaml"
    path.write_text(FORM, encoding="utf-8")
    monkeypatch.setenv("CHITIEU_FORMS", str(path))
    forms.cache_clear()
    yield
    monkeypatch.delenv("CHITIEU_FORMS")
    forms.cache_clear()


def _book(path: Path, rows: list[list[Any]]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Biểu 09"
    half_sheet(ws, rows=rows, number="Biểu số: 09/TEST-LV",
               title="BÁO CÁO DOANH THU 6 THÁNG ĐẦU NĂM 2023")  # fmt: skip
    wb.save(path)
    return path


def _total(label: str, e: Any, f: Any, g: Any, code: str = "", measure: str = "tỷ đồng") -> list:  # type: ignore[type-arg]
    return ["", label, code, measure, e, f, g, None]


def _errors(path: Path) -> list[tuple[str, str | None, Any]]:
    res = import_file(path, None, created_by="t", dry_run=True)
    assert not res.report.valid and res.values == []
    return sorted((f.type, f.address, f.params.get("expected"))
                  for f in res.report.findings if f.severity == "error")  # fmt: skip


def test_a_total_row_that_disagrees_is_a_finding_at_its_cell(store, tmp_path: Path) -> None:
    rows = [*PARTS, _total("Tổng cộng", 185, 211, 390)]  # F: 209,5 by its parts
    path = _book(tmp_path / "bad.xlsx", rows)
    assert _errors(path) == [("form-total-mismatch", "'Biểu 09'!F14", "209.5")]
    res = import_file(path, store, created_by="t")
    assert not res.report.valid and store.count() == 0  # nothing written
    f = next(f for f in res.report.findings if f.type == "form-total-mismatch")
    assert f.params["rows"] == "9, 10, 11, 12, 13" and f.params["label"] == "Tổng cộng"
    for lang in ("vi", "en"):
        assert "F14" in f.message(lang) and "209.5" in f.message(lang)


def test_a_total_row_above_its_parts_and_in_other_units(tmp_path: Path) -> None:
    # "Tổng số" over its "Trong đó" rows, printed in triệu đồng: 185.000 agrees, 390.001 not
    rows = [_total("I. Tổng số", 185_000, "209.500", 390_001, measure="triệu đồng"), *PARTS]
    path = _book(tmp_path / "top.xlsx", rows)
    assert _errors(path) == [("form-total-mismatch", "'Biểu 09'!G9", "390,000")]


def test_a_catalog_total_is_checked_against_its_components(tmp_path: Path) -> None:
    rows = [*PARTS, [6, "Doanh thu toàn ngành TT&TT", "06", "tỷ đồng", 185, 209.5, 400, 113]]
    assert _errors(_book(tmp_path / "cat.xlsx", rows)) == [
        ("form-total-mismatch", "'Biểu 09'!G14", "390")
    ]


def test_totals_that_agree_store_the_parts_not_the_total_row(store, tmp_path: Path) -> None:
    rows = [*PARTS, [6, "Doanh thu toàn ngành TT&TT", "06", "tỷ đồng", *SUMS, 113],
            _total("Tổng cộng", *SUMS)]  # fmt: skip
    res = import_file(_book(tmp_path / "ok.xlsx", rows), store, created_by="t")
    assert res.report.valid, [f.to_dict() for f in res.report.findings]
    got = {(o.indicator, o.period, str(o.kind)): o.value
           for o in store.current(["2023S1"], units=[LA])}  # fmt: skip
    assert got == {
        ("TEL_REVENUE", "2023S1", "estimate"): 110,
        ("IT_REVENUE", "2023S1", "estimate"): 60,
        ("POST_REVENUE", "2023S1", "estimate"): 11.5,
        ("PPD_REVENUE", "2023S1", "estimate"): 6,
        ("PRESS_REVENUE", "2023S1", "estimate"): 22,
        ("ICT_REVENUE", "2023S1", "estimate"): 209.5,  # an indicator of its own: stored
    }
    # the label total row is nowhere among the values read: 6 indicators × 3 columns
    assert {v.indicator for v in res.parsed} == {k[0] for k in got} and len(res.parsed) == 18
