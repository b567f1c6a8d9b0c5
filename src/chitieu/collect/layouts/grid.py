"""An official form's sheet as a grid: its anchors, its header tree, its body and footnotes.

Built from the reader's :class:`~chitieu.collect.book.Table` (calamine's cells and merged
ranges). A merge's text belongs to every column it covers — and only to those: a blank
header cell next to a merge stays blank (pandas forward-fills it into the neighbour). The
header starts at the row holding "Chỉ tiêu" (with "STT", "Mã số" or "Đơn vị tính"), runs
down as far as its merges reach, and is followed, on many forms, by a row of column numbers
(A, B, C, 1, 2 …). The table ends at a footnote ("(*) Số ước", "Ghi chú:") or at the
signature block ("Người lập biểu … Thủ trưởng đơn vị", "…, ngày … tháng … năm …").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from chitieu.collect.book import Table
from chitieu.collect.layouts.headers import words
from chitieu.collect.zipscan import column_letters

#: the key columns of the header, by their compared words
KEY_COLUMNS = {
    "stt": "stt",
    "tt": "stt",
    "so tt": "stt",
    "chi tieu": "name",
    "ten chi tieu": "name",
    "cac chi tieu": "name",
    "noi dung": "name",
    "ma so": "code",
    "ma": "code",
    "ma chi tieu": "code",
    "don vi tinh": "measure",
    "dvt": "measure",
    "ghi chu": "note",
}
_NUMBERS = re.compile(r"^(?:[a-e]|[0-9]{1,2}|\([0-9a-e]{1,2}\)|[0-9]+\s*=.*)$")
_SIGNATURE = re.compile(
    r"^(?:nguoi lap bieu|nguoi kiem tra|thu truong|giam doc|kt\.? giam doc|"
    r"[^,]{0,40}, ngay\b.*\bthang\b.*\bnam\b)"
)
_FOOTNOTE = re.compile(r"^(?:\((\*+|[0-9]{1,2})\)|(\*+)|ghi chu\s*:|nguon\s*:)")
_MARK = re.compile(r"\s*(\(\*+\)|\*+|\([0-9]{1,2}\))\s*$")


def address(row: int, col: int) -> str:
    """``E12`` for row 12, column index 4."""
    return f"{column_letters(col + 1)}{row}"


@dataclass
class Grid:
    """The cells of one sheet by row number, merges filled in (see the module)."""

    table: Table
    rows: dict[int, list[Any]] = field(default_factory=dict)
    #: (row, column) → the merged range's first cell, for the cells a merge covers
    cover: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)

    @classmethod
    def of(cls, table: Table) -> Grid:
        """The grid of a sheet read by calamine."""
        g = cls(table, {table.header_row: list(table.header)})
        g.rows.update(table.rows)
        for r0, c0, r1, c1 in table.merged:
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    if (r, c) != (r0, c0):
                        g.cover[(r, c)] = (r0, c0)
        return g

    def raw(self, row: int, col: int) -> Any:
        """The cell as stored (None outside the sheet)."""
        cells = self.rows.get(row)
        return cells[col] if cells is not None and col < len(cells) else None

    def text(self, row: int, col: int) -> str:
        """The cell's text, a merge's text in every cell it covers."""
        r, c = self.cover.get((row, col), (row, col))
        v = self.raw(r, c)
        return "" if v is None else str(v).strip()

    def width(self) -> int:
        """The widest row's cell count."""
        return max((len(r) for r in self.rows.values()), default=0)

    def numbers(self) -> list[int]:
        """The sheet's row numbers that hold anything, in order."""
        return sorted(self.rows)

    def row_texts(self, row: int) -> list[str]:
        """The compared words of every non-empty cell of a row."""
        cells = self.rows.get(row) or []
        return [words(c) for c in cells if c not in (None, "")]

    def find(self, pattern: re.Pattern[str], upto: int | None = None) -> tuple[int, int] | None:
        """The first cell (row, column) whose compared words match ``pattern``."""
        for r in self.numbers():
            if upto is not None and r >= upto:
                return None
            for c, v in enumerate(self.rows[r]):
                if isinstance(v, str) and pattern.search(words(v)):
                    return r, c
        return None

    def header_row(self) -> int | None:
        """The first row with a "Chỉ tiêu" column and another key column."""
        for r in self.numbers():
            keys = [KEY_COLUMNS.get(t) for t in self.row_texts(r)]
            if "name" in keys and len(set(keys) - {None}) >= 2:
                return r
        return None

    def header_end(self, first: int) -> int:
        """The last row of the header: as far down as the merges that start in it reach."""
        end, grown = first, True
        while grown:
            grown = False
            for r0, _c0, r1, _c1 in self.table.merged:
                if first <= r0 <= end and r1 > end:
                    end, grown = r1, True
        return end

    def is_numbers_row(self, row: int) -> bool:
        """A row of column numbers (A, B, C, 1, 2 … or "(1)", "3=2/1")."""
        texts = self.row_texts(row)
        return len(texts) >= 2 and all(_NUMBERS.match(t) for t in texts)

    def path(self, first: int, last: int, col: int) -> tuple[str, ...]:
        """A column's header path, top to bottom, a merge's text given once."""
        out: list[str] = []
        for r in range(first, last + 1):
            t = self.text(r, col)
            if t and (not out or out[-1] != t):
                out.append(t)
        return tuple(out)

    def ends_table(self, row: int) -> bool:
        """A footnote or the signature block: the table is over."""
        texts = self.row_texts(row)
        return bool(texts) and bool(_SIGNATURE.match(texts[0]) or _FOOTNOTE.match(texts[0]))

    def footnotes(self, start: int) -> dict[str, str]:
        """Footnote marks below the table and their words: {"(*)": "so uoc"}."""
        out: dict[str, str] = {}
        for r in (n for n in self.numbers() if n >= start):
            for t in (str(c).strip() for c in self.rows[r] if isinstance(c, str)):
                m = re.match(r"^(\(\*+\)|\*+|\([0-9]{1,2}\))\s*(.+)$", t)
                if m:
                    out[m.group(1)] = words(m.group(2))
        return out


def split_mark(text: str) -> tuple[str, str | None]:
    """A cell's text and its footnote mark: "1.234,5 (*)" → ("1.234,5", "(*)")."""
    m = _MARK.search(text)
    if not m or m.start() == 0:
        return text, None
    return text[: m.start()].strip(), m.group(1)
