"""A light pre-scan of a workbook's zip, before calamine reads it.

calamine trusts what a file says: it builds the whole rectangle from A1 to a sheet's last cell
(one cell at XFD1048576 is 17 billion cells and aborts the process) and inflates whatever the
zip holds. So the zip is looked at first: its declared sizes (``infolist()``) against the limits,
then every XML part inflated here with a cap — no more than its header declares, so a lying
header is caught — its CRC checked (``collect.zipentries``), a DTD (the entities of a "billion
laughs") refused, and the extent of each worksheet taken from its ``<dimension>`` and the
references of its rows and cells, cheaply (regular expressions over the bytes, not a parser).

The worksheets measured are every one calamine would read, found through the workbook's
relationships as calamine finds them (``collect.package``), whatever their path, case or
extension; the shared strings, styles and the other parts calamine holds whole are limited
like cells; cells with a formula and no result are noted (``collect.formulas``).
"""

from __future__ import annotations

import re
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

from chitieu.collect.formulas import FormulaCells
from chitieu.collect.limits import MIB, Deadline, Limits, counts, mib
from chitieu.collect.package import CONTENT_TYPES, Index, Parts, Read, find_parts, key
from chitieu.collect.zipentries import check_magic, entries, inflate
from chitieu.errors import InputFileError

#: Excel's grid: 16,384 columns (XFD) × 1,048,576 rows
EXCEL_COLUMNS, EXCEL_ROWS = 16_384, 1_048_576
#: a stretch of a part without any markup longer than this is refused (a cell holds 32,767
#: characters at most, so no real part has one)
_MAX_RUN = 4 * MIB
#: the pieces a part is fed in: what is inflated is cut before a "<" once this much is held
_PIECE = 256 * 1024
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
#: what the translation changes (each looked for with one ``memchr``)
_SPACES = (b"\t", b"\n", b"\r", b"'")
#: in a stretch where some cell has no reference: rows and cells in order, with or without one
_EVENTS = re.compile(rb"<" + _NS + rb"(row|c)(?=[\s/>])" + _ATTRS + rb"""(\s+r\s*=)?""")
#: a shared string (``<si>``, any namespace prefix)
_SI = re.compile(rb"<" + _NS + rb"si[\s/>]")
_A1 = re.compile(r"\$?([A-Za-z]{1,4})\$?([0-9]{1,8})")
MACRO_TYPE = b"macroEnabled"


class Sink(Protocol):
    """What takes the pieces of a part as it is inflated (each ends before a ``<``)."""

    def feed(self, piece: bytes) -> None:
        """Take one piece."""


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
        self.formulas = FormulaCells()

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
        # the translation copies the piece: only where it changes something
        norm = piece.translate(_NORM) if any(b in piece for b in _SPACES) else piece
        # a prefix (":c", ":row") only where there is a ":" at all (one memchr)
        odd = (b":" in norm and any(o in norm for o in _ODD[2:])) or any(
            o in norm for o in _ODD[:2]
        )
        if not odd:
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
            names = {s.upper() for s in set(letters)}
            width = max(map(len, names))
            longest = max(s for s in names if len(s) == width)
            ext.cols = max(ext.cols, column_number(longest) if longest else 0)
            ext.rows = max(ext.rows, max(map(int, set(digits) - {b""}), default=0))
        ext.cells += cells
        self.rows_unref += rows - row_refs
        if self.unref or cells > cell_refs:
            self.unref = True
            for m in _EVENTS.finditer(piece):
                tag, has_ref = m.groups()
                self.run = 0 if tag == b"row" or has_ref else self.run + 1
                self.longest_run = max(self.longest_run, self.run)
        self.formulas.feed(piece, odd)

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
    #: sheet name → its worksheet parts (more than one only where readers could differ)
    sheets: dict[str, list[str]] = field(default_factory=dict)
    macros: bool = False
    #: part → (row, column) of its cells that hold a formula without a result (the first
    #: ``formulas.MAX_KEPT``)
    formulas: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    def extent(self, sheet: str) -> list[tuple[str, Extent]]:
        """The extent of ``sheet`` (every worksheet's when its part is not known)."""
        parts = [p for p in self.sheets.get(sheet, []) if p in self.parts]
        if parts:
            return [(sheet, self.parts[p]) for p in parts]
        return list(self.parts.items())

    def formulas_of(self, sheet: str) -> list[tuple[int, int]]:
        """(row, column) of the cells of ``sheet`` with a formula and no result."""
        return sorted({c for p in self.sheets.get(sheet, []) for c in self.formulas.get(p, [])})


def _read_part(fp: BinaryIO, info: zipfile.ZipInfo, file: str, deadline: Deadline,
               sinks: tuple[Sink, ...] = (), keep: bool = False) -> bytes:  # fmt: skip
    """Inflate one XML part: refuse a DTD, feed its pieces (cut before a ``<``) to ``sinks``.

    A part that fits in one inflated chunk is fed whole, as one piece; a longer one in pieces
    of about a chunk each."""
    buf, kept, first = b"", [], True
    for out in inflate(fp, info, file, deadline):
        if first:
            if out[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in out[:4]:
                raise InputFileError(code="input-xml-encoding", file=file, entry=info.filename)
            first = False
        if keep:
            kept.append(out)
        buf += out
        if len(buf) < _PIECE:
            continue
        cut = buf.rfind(b"<")
        if cut <= 0:
            if len(buf) > _MAX_RUN:
                raise InputFileError(code="input-xml-run", file=file, entry=info.filename)
            continue
        _piece(buf[:cut], info.filename, file, sinks)
        buf = buf[cut:]
    if len(buf) > _MAX_RUN and buf.rfind(b"<") <= len(buf) - _MAX_RUN:
        raise InputFileError(code="input-xml-run", file=file, entry=info.filename)
    if buf:
        _piece(buf, info.filename, file, sinks)
    return b"".join(kept)


def _piece(piece: bytes, entry: str, file: str, sinks: tuple[Sink, ...]) -> None:
    if b"<!" in piece and (b"<!DOCTYPE" in piece or b"<!ENTITY" in piece):
        raise InputFileError(code="input-xml-dtd", file=file, entry=entry)
    for sink in sinks:
        sink.feed(piece)


class _Elements:
    """The elements of a part calamine reads whole (each becomes an entry in its memory)."""

    def __init__(self) -> None:
        self.count = 0

    def feed(self, piece: bytes) -> None:
        self.count += piece.count(b"<") - piece.count(b"</")


class _Strings:
    """The strings of a shared strings part (``<si>``: one entry of calamine's table each)."""

    def __init__(self) -> None:
        self.count = 0

    def feed(self, piece: bytes) -> None:
        n = piece.count(b"<si")
        # "<si" also counts <sift…> and misses a namespace prefix: then the exact count
        self.count += n if b":si" not in piece else len(_SI.findall(piece))


def _part_size(info: zipfile.ZipInfo, file: str, lim: Limits) -> None:
    """Refuse a part calamine holds whole in memory that is larger than ``max_part_mb``."""
    if info.file_size > lim.part_bytes:
        raise InputFileError(code="input-part-too-big", file=file, entry=info.filename,
                             size=mib(info.file_size), limit=f"{lim.max_part_mb:g}")  # fmt: skip


def _control_reader(fp: BinaryIO, file: str, lim: Limits, deadline: Deadline) -> Read:
    """Reads a control part (relationships, a workbook): its size and elements within the
    limits, its bytes kept for ``collect.package``."""

    def read(info: zipfile.ZipInfo) -> bytes:
        _part_size(info, file, lim)
        elements = _Elements()
        data = _read_part(fp, info, file, deadline, (elements,), keep=True)
        _check_elements(elements, info, file, lim)
        return data

    return read


def _check_elements(elements: _Elements, info: zipfile.ZipInfo, file: str, lim: Limits) -> None:
    if elements.count > lim.max_part_elements:
        raise InputFileError(
            code="input-part-elements",
            file=file,
            entry=info.filename,
            **counts(count=elements.count, limit=lim.max_part_elements),
        )


def _check_strings(strings: _Strings, info: zipfile.ZipInfo, file: str, lim: Limits) -> None:
    if strings.count > lim.max_cells:
        raise InputFileError(code="input-shared-strings", file=file, entry=info.filename,
                             **counts(count=strings.count, limit=lim.max_cells))  # fmt: skip


def _measure(fp: BinaryIO, info: zipfile.ZipInfo, parts: Parts, file: str, lim: Limits,
             deadline: Deadline, scan: Scan) -> bytes:  # fmt: skip
    """Inflate one part other than a control part, measured for every role it has."""
    name = info.filename
    sheet = _SheetScan() if name in parts.worksheets else None
    strings = _Strings() if name in parts.strings else None
    elements = _Elements() if name in parts.styles else None
    if strings is not None or elements is not None:
        _part_size(info, file, lim)
    sinks = tuple(s for s in (sheet, strings, elements) if s is not None)
    keep = key(name) == key(CONTENT_TYPES)
    data = _read_part(fp, info, file, deadline, sinks, keep)
    if sheet is not None:
        scan.parts[name] = sheet.close()
        if sheet.formulas.cells:
            scan.formulas[name] = sheet.formulas.cells
    if strings is not None:
        _check_strings(strings, info, file, lim)
    if elements is not None:
        _check_elements(elements, info, file, lim)
    return data


def _wanted(name: str, parts: Parts) -> bool:
    """Is ``name`` a part the scan inflates: one calamine reads, or any XML part."""
    return (name in parts.worksheets or name in parts.strings or name in parts.styles
            or name.lower().endswith((".xml", ".rels")))  # fmt: skip


def scan_workbook(path: Path, file: str, lim: Limits, deadline: Deadline) -> Scan:
    """Check a workbook's zip against the limits and take its worksheets' extents.

    The parts calamine reads are found as it finds them (``collect.package``): the package's
    and the workbook's relationships first, then every worksheet they name — whatever its
    path, case or extension — measured, the shared strings counted, the styles' elements
    counted; every other XML part is inflated under the same caps and refused if it declares
    a DTD.
    """
    size = path.stat().st_size
    with path.open("rb") as fp:
        check_magic(file, fp.read(8))
        try:
            zf = zipfile.ZipFile(fp)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error):
            raise InputFileError(code="input-zip-truncated", file=file) from None
        with zf:
            infos = entries(zf, file, lim, size)
            parts = find_parts(Index(infos, file), _control_reader(fp, file, lim, deadline))
            scan = Scan(macros=any(i.filename.lower().endswith("vbaproject.bin") for i in infos))
            scan.sheets = parts.sheets
            types = b""
            for info in infos:
                if info.filename not in parts.control and _wanted(info.filename, parts):
                    types += _measure(fp, info, parts, file, lim, deadline, scan)
    scan.macros = scan.macros or MACRO_TYPE in types
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
