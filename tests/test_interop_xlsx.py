"""The one Excel writer: numbers stay numbers with CLDR grouping, percentages as fractions,
dates and Vietnam times, formula-like text neutralised, files written whole or not at all."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from chitieu.interop.xlsx import Column, Sheet, number_format, sheet_title, write_xlsx


def _sheet() -> Sheet:
    return Sheet(
        "Doanh thu: 6 tháng/2023",
        [
            Column("Tỉnh, thành phố"),
            Column("Doanh thu (tỷ đồng)", "number", 1),
            Column("So với cùng kỳ (%)", "percent", 2),
            Column("Số đơn vị", "integer"),
            Column("Hạn", "date"),
            Column("Cập nhật (giờ Việt Nam)", "datetime"),
        ],
        [
            ["Tỉnh An Giang", 1614206.5, 8.66, 34, date(2023, 7, 15), datetime(2023, 6, 28, 3)],
            ['=HYPERLINK("http://x")', -300.0, None, 0, None, None],
            ["+1+cmd", None, -5.25, 1, None, None],
        ],
        caption="Doanh thu 6 tháng đầu năm 2023",
        notes=["Nguồn: báo cáo của các Sở", "-chú thích bắt đầu bằng dấu trừ"],
    )


def test_cells_are_typed_formatted_and_safe(tmp_path: Path) -> None:
    out = tmp_path / "x.xlsx"
    assert write_xlsx([_sheet()], out) == 3
    ws = load_workbook(out).active
    assert ws.title == "Doanh thu  6 tháng 2023"
    assert ws["A1"].value == "Doanh thu 6 tháng đầu năm 2023"
    assert [c.value for c in ws[2]][:3] == ["Tỉnh, thành phố", "Doanh thu (tỷ đồng)",
                                           "So với cùng kỳ (%)"]  # fmt: skip
    assert ws["B3"].value == 1614206.5 and ws["B3"].number_format == "#,##0.0"
    assert ws["C3"].value == pytest.approx(0.0866) and ws["C3"].number_format == "#,##0.00%"
    assert ws["D3"].number_format == "#,##0"
    assert ws["E3"].value == datetime(2023, 7, 15) and ws["E3"].number_format == "dd/mm/yyyy"
    assert ws["F3"].value == datetime(2023, 6, 28, 10)  # 03:00 UTC is 10:00 in Vietnam
    assert ws["A4"].data_type == "s" and ws["A4"].value.startswith("=HYPERLINK")
    assert ws["A4"].quotePrefix and ws["A5"].quotePrefix
    assert ws["B4"].value == -300.0  # a negative number stays a number
    assert ws["A8"].quotePrefix  # a note starting with a minus is text too


def test_english_dates_and_a_stream() -> None:
    buf = io.BytesIO()
    write_xlsx([_sheet()], buf, lang="en")
    ws = load_workbook(io.BytesIO(buf.getvalue())).active
    assert ws["E3"].number_format == "d mmm yyyy"


def test_sheet_titles_are_valid_and_unique() -> None:
    taken: set[str] = set()
    assert sheet_title("a" * 40, taken) == "a" * 31
    assert sheet_title("a" * 40, taken) == "a" * 27 + " (2)"
    assert sheet_title("[x]", taken) == "x"


def test_number_formats() -> None:
    assert number_format(Column("x", "number", 2)) == "#,##0.00"
    assert number_format(Column("x", "integer", 2)) == "#,##0"
    assert number_format(Column("x")) is None


def test_a_failed_write_leaves_no_file(tmp_path: Path) -> None:
    out = tmp_path / "x.xlsx"

    def rows():  # type: ignore[no-untyped-def]
        yield ["a", 1, 1, 1, None, None]
        raise RuntimeError("source failed")

    s = _sheet()
    s.rows = rows()
    with pytest.raises(RuntimeError):
        write_xlsx([s], out)
    assert list(tmp_path.iterdir()) == []
