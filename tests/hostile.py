"""Hostile input files, made in the tests (no binary fixture is committed): minimal XLSX zips
written by hand with zipfile, zip bombs, malformed XML, an entity bomb, truncated files."""

from __future__ import annotations

import functools
import io
import struct
import zipfile
from xml.sax.saxutils import escape

HEADER = ["indicator", "unit", "period", "value", "kind", "comment"]
GOOD_ROW = ["ICT_REVENUE", "VN", "2023S1", "1614206", "estimate", ""]

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
    '+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="{main}"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
MAIN_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MAIN_XLSM = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def _col(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def cells_xml(rows: list[list[str]], first_row: int = 1) -> str:
    """The ``<row>`` elements of rows of text cells (inline strings), from ``first_row``."""
    out = []
    for i, row in enumerate(rows, start=first_row):
        cells = "".join(
            f'<c r="{_col(j)}{i}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
            for j, v in enumerate(row, start=1)
            if v != ""
        )
        out.append(f'<row r="{i}">{cells}</row>')
    return "".join(out)


def sheet_xml(body: str, dimension: str | None = None, head: str = SHEET_HEAD) -> str:
    """A worksheet part around ``body`` (the rows), with a declared dimension if given."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f"{head}{dim}<sheetData>{body}</sheetData></worksheet>"


def xlsx(
    sheet: str | bytes,
    *,
    name: str = "Số liệu",
    extra: dict[str, bytes | str] | None = None,
    main: str = MAIN_XLSX,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """A minimal workbook of one sheet (its XML given), zipped by hand."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES.replace("{main}", main))
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK.replace("{name}", escape(name)))
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        for k, v in (extra or {}).items():
            z.writestr(k, v)
    return buf.getvalue()


def good_xlsx(rows: list[list[str]] | None = None, **kw: object) -> bytes:
    """A valid long-layout workbook (header and one good row unless ``rows`` are given)."""
    return xlsx(sheet_xml(cells_xml([HEADER, *(rows or [GOOD_ROW])])), **kw)  # type: ignore[arg-type]


def far_cell_xlsx() -> bytes:
    """1–2 KB: a sheet declaring the whole grid with one cell at XFD1048576 (calamine would
    allocate 17 billion cells)."""
    body = cells_xml([HEADER]) + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    return xlsx(sheet_xml(body, "A1:XFD1048576"))


@functools.cache
def zip_bomb(mib: int = 300, *, declared: int | None = None) -> bytes:
    """A workbook whose sheet inflates to ``mib`` MiB of spaces (about 1 MB zipped at level 9).

    ``declared`` writes a false uncompressed size into the headers (a lying header).
    """
    chunk = b" " * (1 << 20)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES.replace("{main}", MAIN_XLSX))
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK.replace("{name}", "Số liệu"))
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(SHEET_HEAD.encode() + b"<sheetData>")
            for _ in range(mib):
                f.write(chunk)
            f.write(b"</sheetData></worksheet>")
    data = buf.getvalue()
    return data if declared is None else lie_about_size(data, "xl/worksheets/sheet1.xml", declared)


def lie_about_size(data: bytes, entry: str, size: int) -> bytes:
    """The zip with ``entry``'s uncompressed size rewritten as ``size`` in its central
    directory record (and its local header, when that holds a 32-bit size)."""
    z = zipfile.ZipFile(io.BytesIO(data))
    info = z.getinfo(entry)
    out = bytearray(data)
    name = entry.encode()
    cd = 0
    while True:
        cd = data.find(b"PK\x01\x02", cd)
        if cd < 0:
            raise ValueError(entry)
        n = struct.unpack_from("<H", data, cd + 28)[0]
        if data[cd + 46 : cd + 46 + n] == name:
            break
        cd += 4
    usize = struct.unpack_from("<L", data, cd + 24)[0]
    if usize == 0xFFFFFFFF:  # zip64: the size lives in the extra field
        extra_at = cd + 46 + n
        m = struct.unpack_from("<H", data, cd + 30)[0]
        pos = extra_at
        while pos < extra_at + m:
            tag, length = struct.unpack_from("<HH", data, pos)
            if tag == 1:
                struct.pack_into("<Q", out, pos + 4, size)
                break
            pos += 4 + length
    else:
        struct.pack_into("<L", out, cd + 24, size)
    lh = info.header_offset
    if struct.unpack_from("<L", data, lh + 22)[0] not in (0, 0xFFFFFFFF):
        struct.pack_into("<L", out, lh + 22, size)
    return bytes(out)


ENTITY_BOMB = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    + "]>"
)


def entity_bomb_xlsx() -> bytes:
    """Billion laughs in the sheet: entities that would expand to 3 GB."""
    body = cells_xml([HEADER]).replace("<t>comment</t>", "<t>&lol9;</t>")
    return xlsx(ENTITY_BOMB + sheet_xml(body).split("?>", 1)[1])


def malformed_xlsx() -> bytes:
    """A sheet whose XML is cut off in the middle of a tag."""
    return xlsx(sheet_xml(cells_xml([HEADER, GOOD_ROW]))[:-60] + "<row r=")


def macro_xlsx() -> bytes:
    """A macro-enabled workbook (.xlsm) renamed .xlsx: a vbaProject.bin and its content type."""
    return good_xlsx(main=MAIN_XLSM, extra={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + bytes(60)})


def wide_csv(columns: int = 18_279) -> str:
    """A CSV header of more than Excel's 18,278 column letters (A…ZZZ)."""
    return ",".join([*HEADER, *(f"x{i}" for i in range(columns - len(HEADER)))]) + "\n"


# --- issue 15: the sheet wherever the relationships put it; the other parts ----------------

#: (the workbook relationship's target, the zip entry): every spelling of a sheet's path that
#: calamine follows and the first pre-scan did not measure (it read xl/worksheets/<x>.xml only)
SHEET_PATHS = [
    ("worksheets/sub/sheet1.xml", "xl/worksheets/sub/sheet1.xml"),
    ("sheet1.xml", "xl/sheet1.xml"),
    ("worksheets/sheet1.dat", "xl/worksheets/sheet1.dat"),
    ("worksheets/sheet1", "xl/worksheets/sheet1"),
    ("Worksheets/Sheet1.xml", "xl/Worksheets/Sheet1.xml"),
    ("worksheets/sheet1.xml", "XL/WORKSHEETS/SHEET1.XML"),  # looked up without case
    ("worksheets/sheet1.xml", "xl\\worksheets\\sheet1.xml"),  # "\" read as "/"
]
FAR_CELL = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'


def sheet_at(
    target: str,
    entry: str,
    sheet: str | bytes,
    *,
    name: str = "Số liệu",
    extra: dict[str, bytes | str] | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """A workbook of one sheet stored at ``entry``, its relationship's target ``target``."""
    buf = io.BytesIO()
    types = CONTENT_TYPES.replace("{main}", MAIN_XLSX).replace(
        "/xl/worksheets/sheet1.xml", "/" + entry.replace("\\", "/")
    )
    with zipfile.ZipFile(buf, "w", compression) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK.replace("{name}", escape(name)))
        z.writestr("xl/_rels/workbook.xml.rels",
                   WORKBOOK_RELS.replace("worksheets/sheet1.xml", escape(target)))  # fmt: skip
        z.writestr(entry, sheet)
        for k, v in (extra or {}).items():
            z.writestr(k, v)
    return buf.getvalue()


def far_cell_at(target: str, entry: str) -> bytes:
    """About 1.6 KB: the header and one cell at XFD1048576 (no declared dimension), the sheet
    at ``entry``: calamine would allocate 512 GiB and abort the process."""
    return sheet_at(target, entry, sheet_xml(cells_xml([HEADER]) + FAR_CELL))


def shared_strings_xlsx(count: int, *, stored: bool = True) -> bytes:
    """A good workbook whose shared strings hold ``count`` empty strings (5 bytes each, stored
    uncompressed, so that no compression ratio gives them away): 30 million cost calamine
    1.7 GB before any cell is read."""
    strings = (
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main">' + b"<si/>" * count + b"</sst>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES.replace("{main}", MAIN_XLSX))
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK.replace("{name}", "Số liệu"))
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml(cells_xml([HEADER, GOOD_ROW])))
        z.writestr("xl/sharedStrings.xml", strings,
                   zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)  # fmt: skip
    return buf.getvalue()


def formula_xlsx(value_formula: str = "SUM(1,2)", cached: str | None = None) -> bytes:
    """The long layout with its value a formula, with the result ``cached`` or none (what a
    script such as openpyxl writes: calamine reads the cell as blank)."""
    v = f"<v>{cached}</v>" if cached is not None else ""
    row = cells_xml([[*GOOD_ROW[:3], "", *GOOD_ROW[4:]]], first_row=2).replace(
        '<c r="E2"', f'<c r="D2"><f>{escape(value_formula)}</f>{v}</c><c r="E2"'
    )
    return xlsx(sheet_xml(cells_xml([HEADER]) + row))
