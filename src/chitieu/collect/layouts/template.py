"""An official form's Excel template, in the layout its descriptor reads (openpyxl).

What ``chitieu template --form F --unit U --period P`` and the web's official template write:
the "Biểu số" block, "Đơn vị báo cáo" and "Đơn vị nhận báo cáo", a data status dropdown
("sơ bộ" / "chính thức"), the title, the header rows (groups merged over their columns),
the row of column numbers, one row per indicator (STT, name, Mã số, unit of measure; key
cells locked, value cells yellow and open), a footnote and the signature block; an
instructions sheet; a hidden sheet with what the template was made from (form, unit,
period, round, the report's version and each value it showed) for the web's upload to
merge by the round's rule. A filled template reads back exactly (``collect.layouts.wide``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from chitieu.catalog.form_layout import FormLayout
from chitieu.catalog.forms import Form
from chitieu.catalog.indicators import catalog
from chitieu.catalog.periods import Period
from chitieu.catalog.units import registry
from chitieu.catalog.vocabulary import Kind
from chitieu.collect.layouts.headers import meaning

#: the hidden sheet of what the template was made from, and its status list
LIST_SHEET = "Danh mục"
HELP_SHEET = "Hướng dẫn"
STATUS_LABEL = "Trạng thái số liệu:"
STATUS_CHOICES = ("sơ bộ", "chính thức")
KEYS = ("STT", "Chỉ tiêu", "Mã số", "Đơn vị tính")
KEY_WIDTHS = (6, 44, 8, 12)
HEADER_ROW = 6
_FILL = PatternFill("solid", fgColor="FFF9DB")
_KEY = PatternFill("solid", fgColor="EDEDED")
_THIN = Side(style="thin", color="808080")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_KIND_WORDS = {Kind.ACTUAL: "Thực hiện", Kind.ESTIMATE: "Ước thực hiện", Kind.PLAN: "Kế hoạch"}
_LEADING_KIND = re.compile(r"^(Ước thực hiện|Ước tính|Ước|Thực hiện|Kế hoạch)\b")
INSTRUCTIONS = [
    "HƯỚNG DẪN / HOW TO FILL IN THIS FORM",
    "",
    "1. Nhập số liệu vào các ô nền vàng của trang biểu; giữ nguyên số biểu, tiêu đề, dòng "
    "«Đơn vị báo cáo», các dòng tiêu đề cột và cột Chỉ tiêu, Mã số, Đơn vị tính (đã khoá). "
    "Enter figures in the yellow cells; keep the form's number, title, unit line, headers and "
    "the key columns (locked) as they are.",
    "2. Số nhập dạng số của Excel, hoặc dạng chữ kiểu Việt Nam: 1.234,5. Type numbers as "
    "Excel numbers, or as text in Vietnamese format.",
    "3. «Trạng thái số liệu»: chọn «sơ bộ» hoặc «chính thức». Pick the data status.",
    "4. Cột «So sánh … (%)» chỉ để đối chiếu: hệ thống tính lại và báo nếu không khớp, không "
    "lưu cột này. Comparison columns are recomputed and checked, never stored.",
    "5. Cột của kỳ hoặc đợt khác (năm trước, kế hoạch) chỉ để đối chiếu với số đã lưu; chỉ "
    "ghi khi chưa có số liệu. Columns of other periods or rounds are compared with the stored "
    "figures and written only where none is stored.",
    "6. Nhập lại cùng biểu cho cùng đơn vị, kỳ và đợt sẽ thay thế số liệu của đợt đó; chỉ tiêu "
    "bỏ trống sẽ bị xoá. Importing the form again for the same unit, period and round replaces "
    "that round's figures; an indicator left empty is deleted.",
    "7. Nếu có lỗi, hệ thống liệt kê từng lỗi theo trang và ô (ví dụ 'Biểu 01'!E12); không số "
    "liệu nào được lưu cho đến khi tệp hết lỗi. Errors are listed by sheet and cell; nothing is "
    "stored until the whole file is valid.",
]


@dataclass
class Request:
    """A template to write: the form, unit, period and round; the values to show in it
    ((indicator, period, kind) → value); what to keep in its hidden sheet."""

    form: Form
    unit: str
    period: Period
    round: str
    values: Mapping[tuple[str, str, str], float] = field(default_factory=dict)
    meta: Mapping[str, str] = field(default_factory=dict)
    status: str = STATUS_CHOICES[0]


def sheet_name(form: Form) -> str:
    """The form's sheet: "Biểu TTTT-6T"."""
    return f"Biểu {form.code}"[:31]


def _headers(req: Request, layout: FormLayout) -> list[tuple[str, ...]]:
    """The value columns' header paths for the period, the own column named for the round."""
    kind = req.form.round(req.round).kind
    out = []
    for path in layout.headers(req.period):
        m = meaning(path, req.period)
        if m is not None and m.period == req.period and m.kind != kind and m.kind != Kind.PLAN:
            leaf = _LEADING_KIND.sub(_KIND_WORDS[Kind(kind)], path[-1])
            path = (*path[:-1], leaf)
        out.append(path)
    return out


def _reporter(layout: FormLayout, req: Request) -> str:
    unit = registry().get(req.unit)
    name = unit.name[:1].lower() + unit.name[1:] if unit.level == 1 else unit.name
    text = layout.reporter.format(unit=name)
    if (req.period.end.year >= 2025 and req.period.end.month > 6) or req.period.end.year > 2025:
        # the provinces' information departments were merged into Khoa học và Công nghệ
        text = text.replace("Sở Thông tin và Truyền thông", "Sở Khoa học và Công nghệ")
    return text


def _block(ws: Worksheet, req: Request, layout: FormLayout, width: int) -> None:
    right = max(width - 3, 3)
    ws.cell(row=1, column=1, value=f"Biểu số: {layout.number}").font = Font(bold=True)
    ws.cell(row=2, column=1, value=layout.issued).font = Font(italic=True)
    ws.cell(row=1, column=right, value=f"Đơn vị báo cáo: {_reporter(layout, req)}")
    ws.cell(row=2, column=right, value=f"Đơn vị nhận báo cáo: {layout.receiver}")
    ws.cell(row=3, column=1, value=STATUS_LABEL)
    status = ws.cell(row=3, column=2, value=req.status)
    status.fill, status.protection = _FILL, Protection(locked=False)
    title = ws.cell(row=4, column=1, value=layout.fill(layout.title, req.period))
    title.font = Font(bold=True, size=13)
    title.alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=4, start_column=1, end_row=4, end_column=width)


def _span(paths: list[tuple[str, ...]], col: int, level: int) -> int:
    """How many columns from ``col`` share the group of ``paths[col]`` at ``level`` (1 for a
    leaf)."""
    path, span = paths[col], 1
    if level >= len(path) - 1:
        return 1
    while (col + span < len(paths) and len(paths[col + span]) > level + 1
           and paths[col + span][: level + 1] == path[: level + 1]):  # fmt: skip
        span += 1
    return span


def _level(ws: Worksheet, paths: list[tuple[str, ...]], level: int, last: int) -> None:
    """One header row: each group merged across its columns, each leaf down to ``last``."""
    first, col = len(KEYS) + 1, 0
    while col < len(paths):
        path, span = paths[col], _span(paths, col, level)
        if level < len(path):
            row = HEADER_ROW + level
            ws.cell(row=row, column=first + col, value=path[level])
            bottom = last if level == len(path) - 1 else row
            if span > 1 or bottom > row:
                ws.merge_cells(start_row=row, start_column=first + col, end_row=bottom,
                               end_column=first + col + span - 1)  # fmt: skip
        col += span


def _head(ws: Worksheet, paths: list[tuple[str, ...]]) -> int:
    """The header rows (keys merged down, groups merged across); the last header row."""
    depth = max(len(p) for p in paths)
    last = HEADER_ROW + depth - 1
    for i, text in enumerate(KEYS, start=1):
        ws.cell(row=HEADER_ROW, column=i, value=text)
        if depth > 1:
            ws.merge_cells(start_row=HEADER_ROW, start_column=i, end_row=last, end_column=i)
    for level in range(depth):
        _level(ws, paths, level, last)
    for r in range(HEADER_ROW, last + 1):
        for c in range(1, len(KEYS) + 1 + len(paths)):
            cell = ws.cell(row=r, column=c)
            cell.font, cell.border = Font(bold=True), _BOX
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    return last


def _body(ws: Worksheet, req: Request, layout: FormLayout, paths: list[tuple[str, ...]],
          start: int) -> int:  # fmt: skip
    """The indicators' rows from ``start``; the row after the last."""
    cat = catalog()
    means = [meaning(p, req.period) for p in paths]
    first = len(KEYS) + 1
    for i, row in enumerate(layout.rows):
        r = start + i
        ind = cat.indicators[row.indicator]
        keys: tuple[int | str, ...] = (i + 1, row.label, row.code, cat.measures[ind.measure].vi)
        for c, v in enumerate(keys, start=1):
            cell = ws.cell(row=r, column=c, value=v)
            cell.fill, cell.border = _KEY, _BOX
        for j, m in enumerate(means):
            known = m is not None and m.kind is not None and m.period is not None
            value = req.values.get((row.indicator, m.period.id, str(m.kind))) if known else None  # type: ignore[union-attr]
            box = ws.cell(row=r, column=first + j, value=value)
            box.border, box.protection = _BOX, Protection(locked=False)
            box.fill = _FILL
            box.number_format = (
                ("#,##0" + ("." + "0" * ind.decimals if ind.decimals else "")) if known else "0.00"
            )
    return start + len(layout.rows)


def _foot(ws: Worksheet, req: Request, row: int, width: int) -> None:
    ws.cell(row=row, column=1, value="(*) Số ước")
    ws.cell(row=row + 1, column=max(width - 3, 3), value="…, ngày … tháng … năm …")
    ws.cell(row=row + 2, column=2, value="Người lập biểu").font = Font(bold=True)
    ws.cell(row=row + 2, column=max(width - 3, 3), value="Thủ trưởng đơn vị").font = Font(bold=True)


def _hidden(wb: Workbook, req: Request) -> None:
    lists = wb.create_sheet(LIST_SHEET)
    lists.append(["Trạng thái", "", "Thông tin mẫu", ""])
    for i, choice in enumerate(STATUS_CHOICES, start=2):
        lists.cell(row=i, column=1, value=choice)
    meta = {"form": req.form.code, "unit": req.unit, "period": req.period.id,
            "round": req.round, "layout": "form", **req.meta}  # fmt: skip
    for i, (k, v) in enumerate(meta.items(), start=2):
        lists.cell(row=i, column=3, value=k)
        lists.cell(row=i, column=4, value=v)
    lists.sheet_state = "hidden"
    lists.protection.sheet = True
    ref = f"{quote_sheetname(LIST_SHEET)}!$A$2:$A${1 + len(STATUS_CHOICES)}"
    wb.defined_names["DS_TRANG_THAI"] = DefinedName("DS_TRANG_THAI", attr_text=ref)


def _validations(ws: Worksheet, start: int, end: int, width: int) -> None:
    dropdown = DataValidation(type="list", formula1="=DS_TRANG_THAI", allow_blank=False)
    dropdown.add("B3")
    ws.add_data_validation(dropdown)
    numbers = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                             allow_blank=True, showErrorMessage=True,
                             errorTitle="Giá trị không hợp lệ",
                             error="Nhập một số không âm, ví dụ 1614206 hoặc 8,66.")  # fmt: skip
    first, last = get_column_letter(len(KEYS) + 1), get_column_letter(width)
    numbers.add(f"{first}{start}:{last}{end - 1}")
    ws.add_data_validation(numbers)


def workbook(req: Request) -> bytes:
    """The template's bytes (see the module)."""
    layout = req.form.layout
    if layout is None:
        raise ValueError(f"form {req.form.code} has no layout")
    paths = _headers(req, layout)
    width = len(KEYS) + len(paths)
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)
    ws.title = sheet_name(req.form)
    _block(ws, req, layout, width)
    last = _head(ws, paths)
    for c in range(1, width + 1):  # the row of column numbers: A, B, C, D, 1, 2 …
        label = "ABCD"[c - 1] if c <= len(KEYS) else str(c - len(KEYS))
        cell = ws.cell(row=last + 1, column=c, value=label)
        cell.alignment, cell.font = Alignment(horizontal="center"), Font(italic=True)
    start = last + 2
    end = _body(ws, req, layout, paths, start)
    _foot(ws, req, end, width)
    for c, w in enumerate(KEY_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(c)].width = w
    for c in range(len(KEYS) + 1, width + 1):
        ws.column_dimensions[get_column_letter(c)].width = 16
    _hidden(wb, req)
    _validations(ws, start, end, width)
    ws.freeze_panes = f"{get_column_letter(len(KEYS) + 1)}{start}"
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    help_ws = wb.create_sheet(HELP_SHEET, 1)
    for line in INSTRUCTIONS:
        help_ws.append([line])
    help_ws.column_dimensions["A"].width = 120
    for r in help_ws.iter_rows(min_row=3):
        r[0].alignment = Alignment(wrap_text=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
