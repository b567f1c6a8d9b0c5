"""Excel round trip of a report: a template for a form's round, unit and period (openpyxl),
and its upload (python-calamine through ``collect.reader``, rows checked by the import's
``check_table``).

The template's hidden sheet keeps what it was made from: the report (form, unit, period,
round), its version, and the value and comment of every indicator (``base:CODE``,
``base_comment:CODE``). An upload says it started from those, so only the cells the user
changed are written and a cell someone else changed meanwhile is a conflict
(``workflow.save``), never a silent overwrite.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from chitieu.catalog.indicators import catalog
from chitieu.catalog.messages import error_text
from chitieu.catalog.units import registry
from chitieu.catalog.vocabulary import Kind, Status
from chitieu.check.findings import Finding
from chitieu.collect.comments import EXCEL_CELL_CHARS
from chitieu.collect.importer import KIND_ALIASES, STATUS_ALIASES, check_table
from chitieu.collect.layouts import template as official
from chitieu.collect.limits import Limits, check_size, counts, limits
from chitieu.collect.reader import Book, Table, read_table, read_workbook
from chitieu.errors import Conflict, InputFileError
from chitieu.fmt import period_label
from chitieu.interop.cells import neutralise
from chitieu.store.values import NewValue
from chitieu.workflow.save import Field, Parsed, machine, machine_base
from chitieu.workflow.state import Report
from chitieu.workflow.words import round_title

DATA_SHEET = "Số liệu"
HELP_SHEET = "Hướng dẫn"
#: (header, logical column or None for a descriptive column, width, input cell)
COLUMNS: list[tuple[str, str | None, int, bool]] = [
    ("Mã chỉ tiêu", "indicator", 18, False),
    ("Tên chỉ tiêu", None, 44, False),
    ("Đơn vị tính", None, 14, False),
    ("Mã đơn vị", "unit", 11, False),
    ("Tên đơn vị", None, 24, False),
    ("Kỳ báo cáo", "period", 11, False),
    ("Loại số liệu", "kind", 13, False),
    ("Giá trị", "value", 18, True),
    ("Trạng thái", "status", 14, True),
    ("Ghi chú", "comment", 36, True),
]
STATUS_CHOICES = [STATUS_ALIASES[Status.PROVISIONAL][1], STATUS_ALIASES[Status.FINAL][1]]
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
KEY_FILL = PatternFill("solid", fgColor="EDEDED")
INPUT_FILL = PatternFill("solid", fgColor="FFF9DB")

INSTRUCTIONS = [
    "HƯỚNG DẪN NHẬP SỐ LIỆU / HOW TO FILL IN THIS FILE",
    "",
    "1. Nhập số liệu vào cột «Giá trị» của trang «Số liệu» (ô nền vàng). "
    "Enter figures in the yellow «Giá trị» (value) column of the «Số liệu» sheet.",
    "2. Các cột mã (chỉ tiêu, đơn vị, kỳ, loại số liệu) đã khoá, không sửa. "
    "Key columns are locked; do not change them.",
    "3. Số nhập dạng số của Excel, hoặc dạng chữ theo kiểu Việt Nam: 1.614.206 hoặc 8,66. "
    "Type numbers as Excel numbers, or as text in Vietnamese format.",
    "4. «Trạng thái»: chọn «sơ bộ» hoặc «chính thức» trong danh sách. "
    "Status: pick provisional (sơ bộ) or final (chính thức).",
    "5. Ô «Giá trị» để trống nghĩa là chưa báo cáo, số liệu đã lưu không bị thay đổi. "
    "An empty value cell changes nothing.",
    "6. Lưu tệp (.xlsx) rồi tải lên tại trang nhập số liệu. Nếu có lỗi, hệ thống liệt kê "
    "từng lỗi theo trang và ô; không số liệu nào được lưu cho đến khi tệp hết lỗi. "
    "Upload the saved file on the data-entry page; errors are listed by sheet and cell and "
    "nothing is stored until the whole file is valid.",
    "7. Chỉ những ô bạn sửa so với lúc tải mẫu mới được lưu. Nếu người khác cũng đã sửa đúng ô "
    "đó sau khi bạn tải mẫu, hệ thống báo xung đột (ai, lúc nào, hai giá trị): tải lại mẫu "
    "hoặc chọn ghi đè những ô ấy. Only the cells you changed since downloading this file are "
    "saved; if someone else changed the same cell meanwhile you are told who, when and both "
    "values: download it again or choose to overwrite those cells.",
]


def _fits(state: Report, lang: str) -> None:
    """409 if a stored comment is longer than an Excel cell holds: openpyxl would cut it to
    32,767 characters without a word, and the upload would store the cut text back. Only a
    comment stored before the comment limit can be that long (``collect/comments.py``)."""
    for code, cell in state.cells.items():
        if cell.comment and len(cell.comment) > EXCEL_CELL_CHARS:
            params = {"indicator": code, **counts(length=len(cell.comment), limit=EXCEL_CELL_CHARS)}
            message, hint = error_text("input-template-comment-too-long", params, lang)
            raise Conflict(message, hint, indicator=code)


def _meta_of(state: Report) -> dict[str, str]:
    """What a template keeps of the report it was made from (``workflow.save``): its version,
    and the value and comment of every indicator."""
    meta = {"version": state.etag}
    for code, kept in state.cells.items():
        meta[f"base:{code}"] = machine(kept.value)
        meta[f"base_comment:{code}"] = kept.comment or ""
    return meta


def form_template(state: Report) -> bytes:
    """The report's template in its form's official layout (``collect.layouts.template``):
    the round's stored values in their column, the version and bases in the hidden sheet."""
    values = {(code, state.period.id, state.kind): kept.value for code, kept in
              state.cells.items() if kept.value is not None}  # fmt: skip
    req = official.Request(state.form, state.unit, state.period, str(state.round.round), values,
                           _meta_of(state))  # fmt: skip
    return official.workbook(req)


def template(state: Report, lang: str = "vi", layout: str | None = None) -> bytes:
    """The workbook for a report, pre-filled with the stored values: in the form's official
    layout where it has one (``collect.layouts.template``), else — or with ``layout="long"``
    — as a long table, one row per indicator (every comment whole: a report whose comment no
    cell can hold gets no long template)."""
    if layout != "long" and state.form.layout is not None:
        return form_template(state)
    _fits(state, lang)
    cat, reg = catalog(), registry()
    unit = reg.get(state.unit)
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)
    ws.title = DATA_SHEET
    ws.append([c[0] for c in COLUMNS])
    for i, (_h, _c, width, _in) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(i)].width = width
    kind_text = KIND_ALIASES[Kind(state.kind)][1]  # "thực hiện", "ước", "kế hoạch"
    for code in state.form.indicators:
        ind = cat.get(code)
        stored = state.cells[code]
        ws.append(
            [
                code,
                ind.name.vi,
                cat.measure(ind, "vi"),
                unit.id,
                unit.name,
                state.period.id,
                kind_text,
                stored.value,
                STATUS_CHOICES[0],
                stored.comment,
            ]
        )
        r = ws.max_row
        for i, (_h, _c, _w, is_input) in enumerate(COLUMNS, start=1):
            c = ws.cell(row=r, column=i)
            c.protection = Protection(locked=not is_input)
            c.fill = INPUT_FILL if is_input else KEY_FILL
        ws.cell(row=r, column=8).number_format = "#,##0" + (
            "." + "0" * ind.decimals if ind.decimals else ""
        )
    last = ws.max_row
    value_col = get_column_letter(8)
    numbers = DataValidation(
        type="decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Giá trị không hợp lệ",
        error="Nhập một số không âm, ví dụ 1614206 hoặc 8,66.",
    )
    numbers.add(f"{value_col}2:{value_col}{last}")
    ws.add_data_validation(numbers)
    # dropdown from the hidden list sheet, through a defined name
    lists = wb.create_sheet(official.LIST_SHEET)  # one name for both layouts
    lists.append(["Trạng thái", "", "Thông tin mẫu", ""])
    for i, choice in enumerate(STATUS_CHOICES, start=2):
        lists.cell(row=i, column=1, value=choice)
    meta = {
        "form": state.form.code,
        "unit": state.unit,
        "period": state.period.id,
        "round": str(state.round.round),
        **_meta_of(state),  # what the template was made from (workflow.save)
    }
    for i, (k, v) in enumerate(meta.items(), start=2):
        lists.cell(row=i, column=3, value=k)
        lists.cell(row=i, column=4, value=v)
    lists.sheet_state = "hidden"
    lists.protection.sheet = True
    ref = f"{quote_sheetname(official.LIST_SHEET)}!$A$2:$A${1 + len(STATUS_CHOICES)}"
    wb.defined_names["DS_TRANG_THAI"] = DefinedName("DS_TRANG_THAI", attr_text=ref)
    dropdown = DataValidation(type="list", formula1="=DS_TRANG_THAI", allow_blank=True)
    dropdown.add(f"I2:I{last}")
    ws.add_data_validation(dropdown)
    ws.cell(row=1, column=8).comment = Comment(
        "Nhập số liệu ở cột này / enter values here", "chitieu"
    )
    ws.freeze_panes = "B2"
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # widths may still be changed
    # instructions
    help_ws = wb.create_sheet(HELP_SHEET, 1)
    title = f"{state.form.name('vi')} — {unit.name} — {period_label(state.period, 'vi')}"
    help_ws.append([title])
    help_ws["A1"].font = Font(bold=True, size=13)
    help_ws.append(
        [
            f"{round_title(str(state.round.round), state.period, 'vi', state.deadline)}"
            f" / {round_title(str(state.round.round), state.period, 'en', state.deadline)}"
        ]
    )
    for line in INSTRUCTIONS:
        help_ws.append([line])
    help_ws.column_dimensions["A"].width = 120
    for row in help_ws.iter_rows(min_row=3):
        row[0].alignment = Alignment(wrap_text=True)
    neutralise(wb)  # a comment "=HYPERLINK(…)" stays text (formula injection)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@dataclass
class Upload:
    """A checked upload: the fields as filled in and what the template was made from, the
    problems by sheet and cell, its version."""

    parsed: Parsed
    version: str | None
    errors: list[dict[str, Any]] = field(default_factory=list)
    rows: int = 0


#: what the upload accepts: the template, or a CSV of the same columns
UPLOAD_SUFFIXES = (".xlsx", ".csv")


def _meta(rows: list[list[Any]] | None) -> dict[str, str]:
    """The template's own facts (form, unit, period, round, version, base values) from its
    hidden list sheet."""
    out = {}
    for r in (rows or [])[1:]:
        if len(r) > 2 and r[2]:  # a fact whose value cell is empty has a short row
            out[str(r[2])] = "" if len(r) < 4 or r[3] is None else str(r[3])
    return out


def _base(meta: dict[str, str], state: Report) -> dict[str, Field] | None:
    """What the template was made from (None: a CSV, or a template from before bases)."""
    values = {c: meta[f"base:{c}"] for c in state.cells if f"base:{c}" in meta}
    if not values:
        return None
    comments = {c: meta.get(f"base_comment:{c}", "") for c in values}
    return machine_base(values, comments)


def _received(data: bytes | BinaryIO, name: str, lim: Limits) -> bytes:
    """The uploaded bytes, read no further than the size limit allows."""
    if isinstance(data, bytes | bytearray):
        check_size(len(data), name, lim, upload=True)
        return bytes(data)
    got = data.read(lim.file_bytes + 1)
    check_size(len(got), name, lim, upload=True)
    return got


def _trim(table: Table) -> tuple[Table, dict[str, str]]:
    """Drop the template's descriptive columns; map logical columns to Excel letters."""
    names = {h for h, col, _w, _i in COLUMNS if col is None}
    keep = [i for i, h in enumerate(table.header) if h not in names]
    letters = {h: get_column_letter(i + 1) for i, h in enumerate(table.header)}
    rows = [(n, [r[i] if i < len(r) else None for i in keep]) for n, r in table.rows]
    at = {i: j for j, i in enumerate(keep)}
    formulas = [(r, at[c]) for r, c in table.formulas if c in at]
    trimmed = Table(table.file, table.sheet, [table.header[i] for i in keep], rows, table.sha256,
                    formulas)  # fmt: skip
    return trimmed, letters


def _cell(f: Finding, letters: dict[str, str], header: list[str]) -> str:
    from chitieu.collect.importer import HEADER_ALIASES, _norm

    if f.row is None:
        return ""
    for h in header:
        if f.column and _norm(h) in {_norm(a) for a in HEADER_ALIASES.get(f.column, ())}:
            return f"{letters[h]}{f.row}"
    return f"{f.row}"


@contextmanager
def _stored(body: bytes, suffix: str) -> Iterator[Path]:
    """The upload in a temporary file for as long as it is read (removed after)."""
    fd, tmp = tempfile.mkstemp(suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
        yield Path(tmp)
    finally:
        os.unlink(tmp)


def _read(
    path: Path, body: bytes, name: str, suffix: str, form: bool = False
) -> tuple[Table, dict[str, str], Book | None]:
    """The upload's data sheet (or CSV) and its template's hidden facts; ``form``: a
    workbook without a data sheet is read whole, each sheet with its merged ranges, and
    given back as the third item (the form's official layout: one read, not two)."""
    lim = limits().for_upload()
    if suffix == ".csv":
        return read_table(path, None, lim, name), {}, None
    facts = official.LIST_SHEET  # the hidden sheet of either layout's template
    book = read_workbook(path, lim, name, sheet=DATA_SHEET, extra=(facts,), macros=False,
                         sha256=hashlib.sha256(body).hexdigest(), or_every=form)  # fmt: skip
    if book.table.sheet != DATA_SHEET:
        return book.table, {}, book
    return book.table, _meta(book.extra.get(facts)), None


def _outside(state: Report, table: Table, rownum: int, v: NewValue) -> Finding | None:
    """A finding if a row is not one of the report's values (another unit, period, kind…)."""
    if (
        v.indicator in state.cells
        and v.unit == state.unit
        and v.period == state.period.id
        and v.kind == state.kind
    ):
        return None
    params = {
        "form": state.form.code,
        "expected_unit": state.unit,
        "expected_period": state.period.id,
    }
    # the cell that was changed is the one blamed (issue 19: an edited period cell was not)
    differs = {"unit": v.unit != state.unit, "period": v.period != state.period.id,
               "kind": v.kind != state.kind}  # fmt: skip
    return Finding(
        "outside-form",
        sheet=table.sheet,
        file=table.file,
        row=rownum,
        column=next((k for k, bad in differs.items() if bad), "indicator"),
        indicator=v.indicator,
        unit=v.unit,
        period=v.period,
        value=v.indicator,
        params=params,
    )


def read_upload(data: bytes | BinaryIO, filename: str, state: Report, lang: str = "vi") -> Upload:
    """Check an uploaded workbook for a report; all problems in one pass.

    The upload's own limits apply (``Limits.for_upload``: size, unzipped size, cells, time);
    a file that passes none, or is not an .xlsx or .csv, raises ``InputFileError`` (400).
    A row whose value cell is empty changes nothing.
    """
    name = Path(filename).name or "upload.xlsx"
    suffix = Path(name).suffix.lower() or ".xlsx"
    if suffix not in UPLOAD_SUFFIXES:
        raise InputFileError(code="input-upload-type", file=name, suffix=suffix)
    body = _received(data, name, limits().for_upload())
    with _stored(body, suffix) as path:
        table, meta, book = _read(path, body, name, suffix, form=state.form.layout is not None)
        if book is not None:  # no «Số liệu» sheet: the form's official layout
            return _read_form(book, path, name, state, lang)
    trimmed, letters = _trim(table)
    try:
        vi = next(i for i, h in enumerate(trimmed.header) if h in ("Giá trị", "value"))
        trimmed.rows = [(n, r) for n, r in trimmed.rows if r[vi] not in (None, "")]
    except StopIteration:
        pass  # check_table reports the missing column
    result = check_table(trimmed)  # the numbers' format from the file, never the page's language
    report = result.report
    parsed = Parsed(base=_base(meta, state))
    for (rownum, _r), v in zip(trimmed.rows, result.values, strict=False):
        problem = _outside(state, table, rownum, v)
        if problem is not None:
            report.add(problem)
            continue
        parsed.typed[v.indicator] = Field(v.value, v.comment or None, True)
    errors = [
        {
            "sheet": f.sheet or table.sheet,
            "cell": _cell(f, letters, table.header),
            "message": f.message(lang),
            "hint": f.hint(lang),
            "severity": str(f.severity),
        }
        for f in report.findings
    ]
    parsed.report.extend(list(report.findings))
    return Upload(parsed, meta.get("version"), errors, len(table.rows))


def _read_form(book: Book, path: Path, name: str, state: Report, lang: str) -> Upload:
    """An upload in the form's official layout (``collect.layouts.wide``), its workbook read
    already (from ``path``, the upload's temporary file, never a file of the upload's name
    on the server): the round's values of this report as the fields typed (an empty cell changes
    nothing), the hidden sheet's version and bases for the merge; every problem at its sheet
    and cell. Columns of other rounds or periods are not written by the web's upload."""
    from chitieu.collect.layouts import Options, Source
    from chitieu.collect.layouts import wide as form_layout

    # the numbers' format is the file's (an ambiguous one refused), never the page's language
    opts = Options(form=state.form.code, unit=state.unit, period=state.period.id)
    source = Source(path, opts, name, lim=limits().for_upload(), book=book)
    result = form_layout.read(source)
    meta = _meta(book.extra.get(official.LIST_SHEET))
    parsed = Parsed(base=_base(meta, state))
    for v in result.parsed:
        if v.indicator in state.cells and v.kind == state.kind and v.period == state.period.id:
            parsed.typed[v.indicator] = Field(v.value, None, False)
    report = result.report
    errors = [
        {
            "sheet": f.sheet,
            "cell": f.cell or "",
            "message": f.message(lang),
            "hint": f.hint(lang),
            "severity": str(f.severity),
        }
        for f in report.findings
    ]
    parsed.report.extend(list(report.findings))
    rows = sum(len(t.rows) for t in source.sheets())
    return Upload(parsed, meta.get("version"), errors, rows)
