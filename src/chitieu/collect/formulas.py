"""Cells that hold a formula and no result: calamine reads them as blank.

Excel and LibreOffice save each formula's last result beside it (``<c><f>SUM(…)</f><v>42</v>
</c>``); a workbook written by a script (openpyxl, a template filled by a program) often has the
formula alone, and calamine — which calculates nothing — then reads the cell as empty. The
pre-scan (``collect.zipscan``) feeds each worksheet's XML here, in pieces cut before a ``<``;
the cells found become findings at their place (``formula-no-result``) instead of values
silently taken as blank.

Only pieces that hold a formula tag are read tag by tag (a regular expression over the bytes):
a sheet without formulas costs a ``bytes.find`` and a ``bytes.rfind`` per piece. A cell whose
start tag ended the piece before is read again from there; a piece written with namespace
prefixes (``<x:c>``, rare) is read tag by tag; a cell without a reference (``r``) is not
placed.
"""

from __future__ import annotations

import re

#: cells kept per worksheet (the rest are counted)
MAX_KEPT = 1000
_NS = rb"(?:[A-Za-z_][\w.-]*:)?"
#: a tag of a cell, its formula, its value or inline string; and the text after it
_TAG = re.compile(rb"<(/?)" + _NS + rb"(c|f|v|is)(?=[\s/>])([^>]*)>([^<]*)")
_LONGEST_CARRY = 1 << 16
_REF = re.compile(rb"""\sr\s*=\s*["']\$?([A-Za-z]{1,3})\$?([0-9]{1,7})["']""")


def cell_ref(attrs: bytes) -> tuple[int, int] | None:
    """(row, column) of a cell from its start tag's attributes (None without a reference)."""
    m = _REF.search(attrs)
    if m is None:
        return None
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ch - 64
    return int(m.group(2)), col


class FormulaCells:
    """The cells of one worksheet with a formula and no result, fed its XML in pieces."""

    def __init__(self) -> None:
        #: (row, column) of the first ``MAX_KEPT`` such cells, and how many there are
        self.cells: list[tuple[int, int]] = []
        self.count = 0
        self._carry = b""  # the start of a cell the last piece ended in
        self._open = False  # inside a cell whose start tag was read
        self._cell: tuple[int, int] | None = None
        self._formula = self._value = False

    def feed(self, piece: bytes, prefixed: bool = False) -> None:
        """Take the tags of ``piece`` (complete: it ends before a ``<``); ``prefixed``: its
        tags may have a namespace prefix."""
        if prefixed or self._open or b"<f" in piece:
            self._tags(self._carry + piece)
            self._carry = b""
            return
        start = piece.rfind(b"<c")  # the last cell's start (or a <col>: read again, harmless)
        self._carry = piece[start:] if start >= 0 and len(piece) - start < _LONGEST_CARRY else b""

    def _tags(self, data: bytes) -> None:
        for m in _TAG.finditer(data):
            closing, tag, attrs, text = m.groups()
            if tag == b"c":
                self._cell_tag(closing, attrs)
            elif closing or not self._open:
                continue
            elif tag == b"f":
                self._formula = True
            elif tag == b"is" or (not attrs.endswith(b"/") and text.strip()):
                self._value = True  # <v>42</v>, or an inline string

    def _cell_tag(self, closing: bytes, attrs: bytes) -> None:
        if closing:
            if self._open and self._formula and not self._value and self._cell is not None:
                self.count += 1
                if len(self.cells) < MAX_KEPT:
                    self.cells.append(self._cell)
            self._open = False
            return
        self._open = not attrs.endswith(b"/")  # <c r="A1"/> holds nothing
        self._cell = cell_ref(attrs)
        self._formula = self._value = False
