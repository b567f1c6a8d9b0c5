"""Which parts of a workbook's zip calamine reads, found the way calamine finds them.

calamine does not read ``xl/worksheets/*.xml`` by name: it takes the workbook's folder from the
package's relationships (``_rels/.rels``, the ``officeDocument`` one), reads ``workbook.xml``,
``sharedStrings.xml``, ``styles.xml`` and ``_rels/workbook.xml.rels`` there, and each sheet from
the part its relationship names — any path, any extension, looked up without regard to case
(``\\`` read as ``/``). The pre-scan (``collect.zipscan``) must measure exactly those parts, so
they are resolved here as calamine resolves them, and more widely where a reader could differ
(every ``officeDocument`` relationship, every relationship of an id given twice, every ``id``
attribute of a ``<sheet>``, the name of a zip entry's Unicode Path extra field). A part a
relationship names that the zip does not hold refuses the file: calamine might find what the
scan did not.
"""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from chitieu.errors import InputFileError

ROOT_RELS = "_rels/.rels"
CONTENT_TYPES = "[Content_Types].xml"
_OFFICE_DOCUMENT = "/relationships/officeDocument"
_UNICODE_PATH = 0x7075  # Info-ZIP Unicode Path extra field: a second name of an entry


def key(name: str) -> str:
    """A part's name as calamine looks it up: without case, ``\\`` read as ``/``."""
    return name.replace("\\", "/").lower()


def _unicode_path(info: zipfile.ZipInfo) -> str | None:
    """The name an entry's Unicode Path extra field gives it (some zip readers take it)."""
    extra, i = info.extra, 0
    while i + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, i)
        if tag == _UNICODE_PATH and size >= 5:
            return extra[i + 9 : i + 4 + size].decode("utf-8", "replace")
        i += 4 + size
    return None


class Index:
    """The zip's entries by the name calamine looks them up with; two entries of one such
    name (``Sheet1.xml`` and ``sheet1.xml``, or an entry renamed by its extra field) refuse
    the file, since which of them a reader takes is not known."""

    def __init__(self, infos: list[zipfile.ZipInfo], file: str) -> None:
        self.file = file
        self.by_key: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            for name in {info.filename, _unicode_path(info)} - {None}:
                if self.by_key.setdefault(key(name), info) is not info:  # type: ignore[arg-type]
                    raise InputFileError(code="input-zip-duplicate", file=file, entry=name)

    def find(self, path: str) -> zipfile.ZipInfo | None:
        """The entry calamine would open for ``path``, if any."""
        return self.by_key.get(key(path))


def _local(name: str) -> str:
    """An element's or attribute's name without its namespace."""
    return name.rsplit("}", 1)[-1]


def _parse(data: bytes, file: str, entry: str) -> ET.Element:
    """A part's XML (no DTD can be left: the scan refused it); a part that does not parse
    is damaged (calamine's reader is laxer, so it is not left to guess)."""
    try:
        return ET.fromstring(data)
    except ET.ParseError:
        raise InputFileError(code="input-zip-damaged", file=file, entry=entry) from None


def relationships(data: bytes, file: str, entry: str) -> list[tuple[str, str, str]]:
    """(id, type, target) of every relationship of a ``.rels`` part."""
    return [
        (el.get("Id") or "", el.get("Type") or "", el.get("Target") or "")
        for el in _parse(data, file, entry).iter()
        if _local(el.tag) == "Relationship"
    ]


def resolve(folder: str, target: str) -> str:
    """A relationship's target as calamine makes it a path: absolute without its first
    ``/``, else after the workbook's folder (no ``..`` resolved)."""
    return target[1:] if target.startswith("/") else folder + target


@dataclass
class Parts:
    """The parts calamine reads: the control parts (read first, kept), and those measured."""

    #: the package's and workbooks' relationships and the workbooks: part name → bytes
    control: dict[str, bytes] = field(default_factory=dict)
    #: sheet name → its worksheet parts (several when a reader could take another)
    sheets: dict[str, list[str]] = field(default_factory=dict)
    #: the entries of worksheets, shared strings and styles, by part name
    worksheets: dict[str, zipfile.ZipInfo] = field(default_factory=dict)
    strings: dict[str, zipfile.ZipInfo] = field(default_factory=dict)
    styles: dict[str, zipfile.ZipInfo] = field(default_factory=dict)


#: reads one control part (inflated within the limits, DTD refused, elements counted)
Read = Callable[[zipfile.ZipInfo], bytes]


def _folders(index: Index, read: Read, parts: Parts) -> list[str]:
    """The folders of the workbooks the package's relationships name (calamine takes the
    last ``officeDocument``; every one is kept here)."""
    root = index.find(ROOT_RELS)
    if root is None:
        raise InputFileError(code="input-no-workbook", file=index.file, entry=ROOT_RELS)
    parts.control[root.filename] = data = read(root)
    folders = []
    for _id, type_, target in relationships(data, index.file, root.filename):
        if type_.endswith(_OFFICE_DOCUMENT):
            path = target.removeprefix("/")
            folder = path[: path.rfind("/") + 1]
            if folder not in folders:
                folders.append(folder)
    if not folders:
        raise InputFileError(code="input-no-workbook", file=index.file, entry="xl/workbook.xml")
    return folders


def _sheets(workbook: bytes, file: str, entry: str) -> list[tuple[str, list[str]]]:
    """(name, relationship ids) of every ``<sheet>`` of a workbook part, wherever it stands;
    every attribute named ``id`` in any namespace counts (calamine takes the last), and a
    sheet without one is looked up by the empty id, as calamine looks it up."""
    out = []
    for el in _parse(workbook, file, entry).iter():
        if _local(el.tag) == "sheet":
            ids = [v for k, v in el.attrib.items() if _local(k) == "id"]
            out.append((el.get("name") or "", ids or [""]))
    return out


def _folder_parts(folder: str, index: Index, read: Read, parts: Parts) -> None:
    """The sheets, shared strings and styles of the workbook in ``folder``."""
    book = index.find(folder + "workbook.xml")
    if book is None:
        raise InputFileError(code="input-no-workbook", file=index.file,
                             entry=folder + "workbook.xml")  # fmt: skip
    rels_info = index.find(folder + "_rels/workbook.xml.rels")
    for found, into in ((index.find(folder + "sharedStrings.xml"), parts.strings),
                        (index.find(folder + "styles.xml"), parts.styles)):  # fmt: skip
        if found is not None:
            into[found.filename] = found
    parts.control[book.filename] = data = read(book)
    if rels_info is None:  # calamine refuses it: no sheet can be found
        return
    parts.control[rels_info.filename] = rels = read(rels_info)
    targets: dict[str, list[str]] = {}
    for id_, _type, target in relationships(rels, index.file, rels_info.filename):
        targets.setdefault(id_, []).append(resolve(folder, target))
    for name, ids in _sheets(data, index.file, book.filename):
        for path in (p for id_ in ids for p in targets.get(id_, [])):
            info = index.find(path)
            if info is None:
                raise InputFileError(code="input-sheet-part-missing", file=index.file,
                                     sheet=name, entry=path)  # fmt: skip
            parts.worksheets[info.filename] = info
            got = parts.sheets.setdefault(name, [])
            if info.filename not in got:
                got.append(info.filename)


def find_parts(index: Index, read: Read) -> Parts:
    """The parts calamine reads from this zip: control parts read (through ``read``), the
    worksheets, shared strings and styles named for the scan to measure."""
    parts = Parts()
    for folder in _folders(index, read, parts):
        _folder_parts(folder, index, read, parts)
    return parts
