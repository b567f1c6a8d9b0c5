"""Official form sheets built by hand with openpyxl, as provinces fill them (issue 18)."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

#: the half-year form's rows as a province writes them: STT, name, Mã số, ĐVT, then the
#: values: last year's H1 actual, this year's H1 estimate, the year's plan, % on last year
HALF_ROWS: list[list[Any]] = [
    [1, "Doanh thu toàn ngành TT&TT", "01", "tỷ đồng", 1000, "1.234,5", 2600, "123,45"],
    [2, "Nộp ngân sách nhà nước", "02", "tỷ đồng", 40, 42, 90, 105],
    [3, "Đóng góp vào GDP của ngành TT&TT", "03", "tỷ đồng", 300, 330, 700, 110],
    [4, "Tổng số lao động toàn ngành", "04", "lao động", 5000, 5200, None, 104],
]


def half_sheet(
    ws: Worksheet,
    *,
    year: int = 2023,
    unit_line: str = "Đơn vị báo cáo: Sở Thông tin và Truyền thông tỉnh Long An",
    rows: list[list[Any]] | None = None,
    number: str = "Biểu số: 01/TTTT-6T",
    title: str | None = None,
) -> None:
    """The half-year review form (TTTT-6T) on ``ws``: the table's header on rows 6–7, the
    column numbers on row 8, the body from row 9, then a footnote and the signatures."""
    ws["A1"] = number
    ws["A2"] = "Ban hành kèm theo Thông tư số 04/2022/TT-BTTTT"
    ws["F1"] = unit_line
    ws["F2"] = "Đơn vị nhận báo cáo: Bộ Thông tin và Truyền thông"
    ws["A4"] = title or f"BIỂU SỐ 01 – BÁO CÁO KẾT QUẢ 6 THÁNG ĐẦU NĂM {year}"
    ws.merge_cells("A4:H4")
    heads = ["STT", "Chỉ tiêu", "Mã số", "Đơn vị tính", f"Thực hiện 6 tháng {year - 1}"]
    for col, text in enumerate(heads, start=1):
        ws.cell(row=6, column=col, value=text)
        ws.merge_cells(start_row=6, start_column=col, end_row=7, end_column=col)
    ws["F6"] = f"Năm {year}"
    ws.merge_cells("F6:G6")
    ws["F7"] = f"Ước thực hiện 6 tháng {year}"
    ws["G7"] = f"Kế hoạch năm {year}"
    ws["H6"] = "So sánh cùng kỳ (%)"
    ws.merge_cells("H6:H7")
    for col, text in enumerate(["A", "B", "C", "D", "1", "2", "3", "4=2/1"], start=1):
        ws.cell(row=8, column=col, value=text)
    body = HALF_ROWS if rows is None else rows
    for i, row in enumerate(body):
        for col, v in enumerate(row, start=1):
            ws.cell(row=9 + i, column=col, value=v)
    end = 9 + len(body)
    ws.cell(row=end, column=1, value="(*) Số ước")
    ws.merge_cells(start_row=end, start_column=1, end_row=end, end_column=8)
    ws.cell(row=end + 2, column=2, value="Người lập biểu")
    ws.cell(row=end + 2, column=6, value="Thủ trưởng đơn vị")
    ws.cell(row=end + 1, column=6, value="Long An, ngày 20 tháng 6 năm 2023")


def save(path: Path, *sheets: tuple[str, dict[str, Any]]) -> Path:
    """A workbook of half-year sheets: (title, half_sheet's options) each."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, opts in sheets:
        half_sheet(wb.create_sheet(title), **opts)
    wb.save(path)
    return path


def nfd(text: str) -> str:
    """The text decomposed (as some Mac and web tools save it)."""
    return unicodedata.normalize("NFD", text)
