"""What every file layout shares: the file as a source to look at, the import's options, and
the result a layout's reader gives back (the one shape of every import).

A layout never writes: its ``read`` turns the file into values, the place each came from and
findings; ``collect.importer`` then checks and stores them through ``collect.ingest``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from chitieu.check.findings import Report
from chitieu.collect.book import Book, Table
from chitieu.collect.ingest import ReplaceScope
from chitieu.collect.limits import Limits
from chitieu.collect.numbers import Locale
from chitieu.store.rows import Rows
from chitieu.store.values import BatchInfo, NewValue

#: progress callback: (phase "check" | "write", rows just done, rows in all)
Progress = Callable[[str, int, int], None]
#: (indicator, unit, period, kind)
Key = tuple[str, str, str, str]
#: the values listed in an import's JSON in full up to this many (a dry run: always)
VALUES_SHOWN = 10_000


@dataclass(frozen=True)
class Options:
    """What the command (or the web) says about the file: all optional."""

    form: str | None = None
    unit: str | None = None
    period: str | None = None
    sheet: str | None = None
    locale: Locale | None = None
    progress: Progress | None = None
    #: read the file as this layout (its name), not the one detected
    layout: str | None = None


class Source:
    """One input file, looked at lazily: its first bytes, its first (or named) sheet as a
    table, every visible sheet with merged ranges. A workbook is read once, within the limits
    (``collect.reader``: one pre-scan, one child parser, one hash), whichever layout asks
    first: its table is the book's; a sheet that cannot be read is told only to a layout that
    reads every sheet."""

    def __init__(self, path: Path, options: Options | None = None, file: str | None = None,
                 *, lim: Limits | None = None, extra: tuple[str, ...] = (),
                 book: Book | None = None) -> None:  # fmt: skip
        if book is not None:  # read already (the web's upload of a template): not again
            self.__dict__["book"] = book
        self.path = path
        self.options = options or Options()
        self.file = file or path.name
        self.suffix = Path(self.file).suffix.lower() or path.suffix.lower()
        #: the reader's limits (a web upload's are tighter); default: the CLI's
        self.lim = lim
        #: hidden sheets whose raw cells ``book`` gives too (a template's own facts)
        self.extra = extra

    @property
    def is_workbook(self) -> bool:
        """An .xlsx or .xlsm file."""
        from chitieu.collect.reader import EXCEL_SUFFIXES

        return self.suffix in EXCEL_SUFFIXES

    def head(self, size: int = 4096) -> bytes:
        """The file's first bytes (b"" if it cannot be read: the reader will say why)."""
        try:
            with self.path.open("rb") as fh:
                return fh.read(size)
        except OSError:
            return b""

    @cached_property
    def table(self) -> Table:
        """The named sheet (else the first visible one) or the CSV, as a header and rows."""
        from chitieu.collect.reader import read_table

        if self.is_workbook:
            return self.book.table
        return read_table(self.path, self.options.sheet, self.lim, file=self.file)

    @cached_property
    def book(self) -> Book:
        """Every visible sheet as a table with its merged ranges (a workbook only)."""
        import hashlib

        from chitieu.collect.reader import read_workbook

        digest = hashlib.sha256(self.path.read_bytes()).hexdigest()
        return read_workbook(self.path, self.lim, self.file, sheet=self.options.sheet,
                             sha256=digest, every=True, extra=self.extra)  # fmt: skip

    def sheets(self) -> list[Table]:
        """The sheets a layout of several sheets reads: the named one, else every visible one."""
        book = self.book
        if self.options.sheet is not None:
            return [book.table]
        if book.failed:
            raise book.failed[0]
        return book.sheets or [book.table]


@dataclass
class ImportResult:
    """The outcome of reading (and maybe storing) a file, whatever its layout."""

    report: Report
    values: Rows | list[NewValue] = field(default_factory=list)
    batch: BatchInfo | None = None
    dry_run: bool = False
    locale: Locale | None = None
    file: str = ""
    #: every row that parsed, valid file or not (the rules check them too)
    parsed: Rows | list[NewValue] = field(default_factory=list)
    #: where each parsed value came from: (indicator, unit, period, kind) → file, sheet, row,
    #: cell, column
    places: dict[Key, dict[str, Any]] = field(default_factory=dict)
    #: the layout that read the file (``collect.layouts``)
    layout: str = "long"
    sha256: str = ""
    #: the form rounds the values replace whole (``collect.ingest.ReplaceScope``)
    replace: list[ReplaceScope] = field(default_factory=list)
    #: imported / updated / ignored / deleted (of the write, or what a dry run would do)
    counts: dict[str, int] = field(default_factory=dict)
    #: a column's name → its letter in the sheet (findings placed by row and column get a cell)
    letters: dict[str, str] = field(default_factory=dict)
    #: the deletions a replace scope added
    deletions: list[NewValue] = field(default_factory=list)
    #: values of other rounds or forms on an official sheet (last year's actual, the plan):
    #: compared with the store, written only where nothing is stored (``places`` has them)
    compare: list[NewValue] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Values read, deletions of a replace scope included."""
        return len(self.values) + len(self.deletions)

    @property
    def written(self) -> int:
        """Rows stored (0 on a dry run or when the file had errors)."""
        return self.batch.rows if self.batch else 0

    @property
    def ignored(self) -> int:
        """Rows left out as identical to their key's current vintage (the same file again)."""
        return self.batch.ignored if self.batch else 0

    def place_cells(self) -> None:
        """Give a cell to every finding placed by row and column of this file's sheet."""
        if not self.letters:
            return
        for f in self.report.findings:
            if f.cell is None and f.row is not None and f.column in self.letters:
                f.cell = f"{self.letters[f.column]}{f.row}"

    def listed(self, n: int) -> list[NewValue]:
        """The first ``n`` values, then the deletions (no object made for the others)."""
        vals = self.values
        first = vals.take(range(min(n, len(vals)))) if isinstance(vals, Rows) else vals[:n]
        return [*first, *self.deletions][:n]

    def to_dict(self) -> dict[str, Any]:
        """The one JSON shape of an import, whatever the file's layout (``chitieu import
        --json``, the web's upload): ``counts``, ``findings`` (each with ``sheet`` and
        ``cell``), ``values``; the report's header besides."""
        rep = self.report.to_dict()
        findings = rep.pop("findings")
        for f in findings:
            f.setdefault("sheet", None)
            f.setdefault("cell", None)
        total = len(self.values) + len(self.deletions)
        cut = not self.dry_run and total > VALUES_SHOWN
        shown = self.listed(VALUES_SHOWN if cut else total)
        counts = {"imported": 0, "updated": 0, "ignored": 0, "deleted": 0, **self.counts}
        return {
            "file": self.file,
            "layout": self.layout,
            "dry_run": self.dry_run,
            "valid": rep.pop("valid"),
            "counts": counts,
            "findings": findings,
            "values": [_value(v) for v in shown],
            "values_total": total,
            "values_cut": cut,
            "replace": [s.to_dict() for s in self.replace],
            "finding_counts": rep.pop("counts"),
            **rep,
            "written": self.written,
            "ignored": self.ignored,
            "locale": self.locale,
            "batch": self.batch.id if self.batch else None,
        }


def _value(v: NewValue) -> dict[str, Any]:
    """A value as an import's JSON lists it."""
    return {"indicator": v.indicator, "unit": v.unit, "period": v.period, "kind": str(v.kind),
            "value": v.value}  # fmt: skip
