"""A light pre-scan of a workbook's zip, before calamine reads it.

calamine trusts what a file says: it builds the whole rectangle from A1 to a sheet's last cell
(one cell at XFD1048576 is 17 billion cells and aborts the process) and inflates whatever the
zip holds. So the zip is looked at first: its declared sizes (``infolist()``) against the limits,
then every XML part inflated here with a cap — no more than its header declares, so a lying
header is caught — its CRC checked, a DTD (the entities of a "billion laughs") refused, and the
extent of each worksheet taken from its ``<dimension>`` and the references of its rows and
cells, cheaply (regular expressions over the bytes, not a parser).
"""

from __future__ import annotations

import posixpath
import re
import struct
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from chitieu.collect.limits import MIB, Deadline, Limits, counts, mib
from chitieu.errors import InputFileError

#: Excel's grid: 16,384 columns (XFD) × 1,048,576 rows
EXCEL_COLUMNS, EXCEL_ROWS = 16_384, 1_048_576
_CHUNK = MIB
#: a stretch of a part without any markup longer than this is refused (a cell holds 32,767
#: characters at most, so no real part has one)
_MAX_RUN = 4 * MIB
_LOCAL = struct.Struct("<4s2B4HL2L2H")  # a zip entry's local header (30 bytes)
_NS = rb"(?:[A-Za-z_][\w.-]*:)?"
_ATTRS = rb"""(?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*?"""
_CELL = re.compile(rb"<" + _NS + rb"c[\s/>]")
#: a cell that has a reference (its first ``r``; calamine keeps the last of several)
_CELL_REF = re.compile(rb"<" + _NS + rb"c" + _ATTRS + rb"""\s+r\s*=\s*["']""")
_ROW = re.compile(rb"<" + _NS + rb"row[\s/>]")
_ROW_REF = re.compile(rb"<" + _NS + rb"row" + _ATTRS + rb"""\s+r\s*=\s*["']""")
#: every ``r`` attribute anywhere (rows', cells', repeated ones): the extent's bound never
#: depends on where a piece was cut, since such an attribute holds no "<"
_REF = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]*)([0-9]*)""")
_DIMENSION = re.compile(rb"<" + _NS + rb"dimension" + _ATTRS + rb"""\s+ref\s*=\s*["']([^"']*)""")
#: the usual spelling of references (read with tabs and line breaks as spaces, ' as "), and
#: what any other spelling (a space around "=", a namespace prefix) holds
_NORM = bytes.maketrans(b"\t\n\r'", b'   "')
_LETTERS = re.compile(rb' r="([A-Za-z]*)')
_DIGITS = re.compile(rb' r="[A-Za-z]*([0-9]*)')
_ODD = (b"r =", b"r= ", b":c", b":row")
#: in a stretch where some cell has no reference: rows and cells in order, with or without one
_EVENTS = re.compile(rb"<" + _NS + rb"(row|c)(?=[\s/>])" + _ATTRS + rb"""(\s+r\s*=)?""")
_A1 = re.compile(r"\$?([A-Za-z]{1,4})\$?([0-9]{1,8})")
MACRO_TYPE = b"macroEnabled"


def column_number(letters: str | bytes) -> int:
    """A column's number from its letters: A → 1, XFD → 16384."""
    n = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.decode().upper():
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(n: int) -> str:
    """A column's letters from its number: 1 → A, 16384 → XFD."""
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


@dataclass
class Extent:
    """How far a worksheet reaches: its last row and column (from A1) and its cells."""

    rows: int = 0
    cols: int = 0
    cells: int = 0
    #: the declared ``<dimension ref>``, if any
    dimension: str | None = None

    @property
    def corner(self) -> str:
        """The far corner of the extent, as Excel names a cell."""
        return f"{column_letters(max(self.cols, 1))}{max(self.rows, 1)}"


class _SheetScan:
    """The extent of one worksheet, fed its XML in pieces cut before a ``<``.

    A cell or row without a reference follows the one before it (calamine counts them in
    order), so where some cell has none the longest run of such cells (and the count of rows
    without one) is added to the farthest reference: a bound, never less than calamine's.
    """

    def __init__(self) -> None:
        self.extent = Extent()
        self.unref = False  # some cell had no reference
        self.run = self.longest_run = 0  # cells without a reference in a row, in order
        self.rows_unref = 0
        self.head = True  # before <sheetData>: where the <dimension> is

    def feed(self, piece: bytes) -> None:
        """Take the tags of ``piece`` (complete: it ends before a ``<``).

        Read with tabs and line breaks as spaces and ``'`` as ``"``, what Excel and LibreOffice
        write (``<c r="A1"``, ``<row r="1"``) is counted with ``bytes.count`` and regular
        expressions of a literal prefix; any other spelling (a namespace prefix, a space around
        ``=``) sends the piece to the general ones.
        """
        ext = self.extent
        if self.head:
            if b"dimension" in piece and (m := _DIMENSION.search(piece)):
                ext.dimension = m.group(1).decode("ascii", "replace")
            self.head = b"<sheetData" not in piece and b":sheetData" not in piece
        norm = piece.translate(_NORM)
        if not any(odd in norm for odd in _ODD):
            letters, digits = _LETTERS.findall(norm), _DIGITS.findall(norm)
            # "<c" also counts <col>, <cfRule>…: more cells than references sends the piece
            # to the exact count
            cells, cell_refs = norm.count(b"<c"), norm.count(b'<c r="')
            if cell_refs < cells:
                cells, cell_refs = len(_CELL.findall(piece)), len(_CELL_REF.findall(piece))
            rows, row_refs = norm.count(b"<row"), 0  # rows as if none had a reference
        else:
            refs = _REF.findall(piece)
            letters, digits = [r[0] for r in refs], [r[1] for r in refs]
            cells, rows = len(_CELL.findall(piece)), len(_ROW.findall(piece))
            cell_refs, row_refs = len(_CELL_REF.findall(piece)), len(_ROW_REF.findall(piece))
        if letters:
            longest = max(set(letters), key=lambda s: (len(s), s.upper()))
            ext.cols = max(ext.cols, column_number(longest) if longest else 0)
            ext.rows = max(ext.rows, max(int(d or 0) for d in set(digits)))
        ext.cells += cells
        self.rows_unref += rows - row_refs
        if self.unref or cells > cell_refs:
            self.unref = True
            for m in _EVENTS.finditer(piece):
                tag, has_ref = m.groups()
                self.run = 0 if tag == b"row" or has_ref else self.run + 1
                self.longest_run = max(self.longest_run, self.run)

    def close(self) -> Extent:
        """The extent, cells and rows without a reference counted as following the last."""
        ext = self.extent
        if self.unref:
            ext.cols += self.longest_run
            ext.rows += self.rows_unref
        return ext


@dataclass
class Scan:
    """What the pre-scan learnt: each worksheet's extent, by part and by sheet name."""

    parts: dict[str, Extent] = field(default_factory=dict)
    sheets: dict[str, str] = field(default_factory=dict)  # sheet name → part
    macros: bool = False

    def extent(self, sheet: str) -> list[tuple[str, Extent]]:
        """The extent of ``sheet`` (every worksheet's when its part is not known)."""
        part = self.sheets.get(sheet)
        if part in self.parts:
            return [(sheet, self.parts[part])]
        return list(self.parts.items())


def _magic(file: str, head: bytes) -> None:
    """Refuse what is not a zip at all, saying what it looks like."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputFileError(code="input-ole2", file=file)
    raise InputFileError(code="input-not-zip", file=file)


def _damaged(file: str, entry: str) -> InputFileError:
    return InputFileError(code="input-zip-damaged", file=file, entry=entry)


def _entries(zf: zipfile.ZipFile, file: str, lim: Limits, size: int) -> list[zipfile.ZipInfo]:
    """The zip's entries, their declared sizes and ratios within the limits."""
    infos = zf.infolist()
    if len(infos) > lim.max_zip_entries:
        raise InputFileError(
            code="input-zip-entries", file=file, count=len(infos), limit=lim.max_zip_entries
        )
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise InputFileError(code="input-zip-encrypted", file=file, entry=info.filename)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise InputFileError(
                code="input-zip-method", file=file, entry=info.filename, method=info.compress_type
            )
        if info.header_offset + info.compress_size > size:
            raise _damaged(file, info.filename)
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MIB and ratio > lim.max_zip_ratio:
            raise InputFileError(
                code="input-zip-ratio",
                file=file,
                entry=info.filename,
                size=mib(info.file_size),
                ratio=f"{ratio:.0f}",
                limit=f"{lim.max_zip_ratio:g}",
            )
    if total > lim.unzipped_bytes:
        raise InputFileError(
            code="input-unzipped-too-big",
            file=file,
            size=mib(total),
            limit=f"{lim.max_unzipped_mb:g}",
        )
    return infos


def _inflate(fp, info: zipfile.ZipInfo, file: str, deadline: Deadline):  # type: ignore[no-untyped-def]
    """The entry's bytes in pieces, never more than its header declares, CRC checked."""
    fp.seek(info.header_offset)
    head = fp.read(_LOCAL.size)
    if len(head) < _LOCAL.size or head[:4] != b"PK\x03\x04":
        raise _damaged(file, info.filename)
    fields_ = _LOCAL.unpack(head)
    fp.seek(info.header_offset + _LOCAL.size + fields_[10] + fields_[11])
    left, made, crc = info.compress_size, 0, 0
    inflater = zlib.decompressobj(-zlib.MAX_WBITS) if info.compress_type else None
    while left > 0:
        deadline.check(file)
        raw = fp.read(min(_CHUNK, left))
        if not raw:
            raise _damaged(file, info.filename)
        left -= len(raw)
        while raw:
            if inflater is None:
                out, raw = raw, b""
            else:
                try:
                    out = inflater.decompress(raw, info.file_size - made + 1)
                except zlib.error:
                    raise _damaged(file, info.filename) from None
                raw = inflater.unconsumed_tail
            made += len(out)
            if made > info.file_size:  # a lying header: more than it declares
                raise InputFileError(
                    code="input-zip-lying",
                    file=file,
                    entry=info.filename,
                    **counts(declared=info.file_size),
                )
            crc = zlib.crc32(out, crc)
            if out:
                yield out
    if made != info.file_size or crc != info.CRC or (inflater is not None and not inflater.eof):
        raise _damaged(file, info.filename)


def _read_part(fp, info: zipfile.ZipInfo, file: str, deadline: Deadline, sheet: _SheetScan | None,
               keep: bool) -> bytes:  # type: ignore[no-untyped-def]  # fmt: skip
    """Inflate one XML part: refuse a DTD, feed a worksheet's tags to its scan."""
    buf, kept, first = b"", [], True
    for out in _inflate(fp, info, file, deadline):
        if first:
            if out[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in out[:4]:
                raise InputFileError(code="input-xml-encoding", file=file, entry=info.filename)
            first = False
        if keep:
            kept.append(out)
        buf += out
        cut = buf.rfind(b"<")
        if cut <= 0:
            if len(buf) > _MAX_RUN:
                raise InputFileError(code="input-xml-run", file=file, entry=info.filename)
            continue
        _piece(buf[:cut], info.filename, file, sheet)
        buf = buf[cut:]
    if buf:
        _piece(buf, info.filename, file, sheet)
    return b"".join(kept)


def _piece(piece: bytes, entry: str, file: str, sheet: _SheetScan | None) -> None:
    if b"<!DOCTYPE" in piece or b"<!ENTITY" in piece:
        raise InputFileError(code="input-xml-dtd", file=file, entry=entry)
    if sheet is not None:
        sheet.feed(piece)


def _sheet_parts(workbook: bytes, rels: bytes) -> dict[str, str]:
    """Sheet name → the zip entry of its worksheet, from workbook.xml and its relationships."""
    try:
        book, links = ET.fromstring(workbook), ET.fromstring(rels)
    except ET.ParseError:
        return {}
    targets = {}
    for rel in links:
        target = rel.get("Target") or ""
        path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        targets[rel.get("Id")] = posixpath.normpath(path)
    out = {}
    for el in book.iter():
        if el.tag.rsplit("}", 1)[-1] == "sheet":
            rid = next((v for k, v in el.attrib.items() if k.rsplit("}", 1)[-1] == "id"), None)
            if el.get("name") is not None and rid in targets:
                out[el.get("name")] = targets[rid]
    return out


def scan_workbook(path: Path, file: str, lim: Limits, deadline: Deadline) -> Scan:
    """Check a workbook's zip against the limits and take its worksheets' extents."""
    size = path.stat().st_size
    with path.open("rb") as fp:
        _magic(file, fp.read(8))
        try:
            zf = zipfile.ZipFile(fp)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error):
            raise InputFileError(code="input-zip-truncated", file=file) from None
        with zf:
            infos = _entries(zf, file, lim, size)
            names = {i.filename for i in infos}
            if "xl/workbook.xml" not in names:
                raise InputFileError(code="input-no-workbook", file=file)
            scan = Scan(macros=any(n.lower().endswith("vbaproject.bin") for n in names))
            small: dict[str, bytes] = {}
            for info in infos:
                name = info.filename
                if not name.lower().endswith((".xml", ".rels")):
                    continue
                is_sheet = name.startswith("xl/worksheets/") and name.count("/") == 2
                sheet = _SheetScan() if is_sheet else None
                keep = name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                                "[Content_Types].xml")  # fmt: skip
                small[name] = _read_part(fp, info, file, deadline, sheet, keep)
                if sheet is not None:
                    scan.parts[name] = sheet.close()
    scan.macros = scan.macros or MACRO_TYPE in small.get("[Content_Types].xml", b"")
    rels = small.get("xl/_rels/workbook.xml.rels", b"")
    scan.sheets = _sheet_parts(small["xl/workbook.xml"], rels) if rels else {}
    return scan


def check_extent(scan: Scan, sheet: str, file: str, lim: Limits) -> None:
    """Refuse ``sheet`` if it reaches past the grid or the limits (before calamine builds it)."""
    for name, ext in scan.extent(sheet):
        place = {"file": file, "sheet": name}
        dim = _A1.findall(ext.dimension or "")
        if dim:
            d_rows = max(int(r) for _, r in dim)
            d_cols = max(column_number(c) for c, _ in dim)
            if d_rows * d_cols > lim.max_cells or d_cols > lim.max_columns:
                raise InputFileError(
                    code="input-dimension-too-big",
                    ref=ext.dimension,
                    **place,
                    **counts(
                        rows=d_rows,
                        cols=d_cols,
                        cells=d_rows * d_cols,
                        limit=lim.max_cells,
                        maxcols=lim.max_columns,
                    ),
                )
        cell = ext.corner
        if ext.cols > min(lim.max_columns, EXCEL_COLUMNS):
            raise InputFileError(
                code="input-sheet-columns",
                cell=cell,
                **place,
                **counts(cols=ext.cols, limit=min(lim.max_columns, EXCEL_COLUMNS)),
            )
        if ext.rows > min(lim.max_rows, EXCEL_ROWS):
            raise InputFileError(
                code="input-sheet-rows",
                cell=cell,
                **place,
                **counts(rows=ext.rows, limit=min(lim.max_rows, EXCEL_ROWS)),
            )
        area = ext.rows * ext.cols
        if max(area, ext.cells) > lim.max_cells:
            raise InputFileError(
                code="input-sheet-too-big",
                cell=cell,
                **place,
                **counts(
                    rows=ext.rows,
                    cols=ext.cols,
                    cells=max(area, ext.cells),
                    limit=lim.max_cells,
                ),
            )
