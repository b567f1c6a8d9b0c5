"""The long layout checked on columns: the fast path of a big CSV import.

A file of a million rows repeats a few hundred indicators, a few dozen units, periods and
kinds: each distinct cell is checked once (by the same ``RowChecker`` rules as a single row),
numbers are read on the whole column (pyarrow: the plain decimals of the file's locale), and
duplicate keys are found by one sort. Only a file that is plainly good takes this path: the
first doubt (a cell the row checker would refuse, a duplicate, a record over several lines,
a blank line) sends the whole file to the row path (``collect.importer.check_table``), which
reports every problem with its place. So both paths accept the same files and give the same
values.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from chitieu.check.findings import Report
from chitieu.collect.comments import column_too_long
from chitieu.collect.numbers import Locale, detect_locale, plain_decimal
from chitieu.collect.rows import OPTIONAL, REQUIRED, SUSPECT_TEXT, RowChecker, suspect
from chitieu.errors import NumberFormatError
from chitieu.store.rows import Rows

Key = tuple[str, str, str, str]
#: files at least this big take the column path (smaller ones are quick on rows)
COLUMNS_FROM = 1 << 20


class RowPlaces(Mapping[Key, dict[str, Any]]):
    """Where each value came from (file, row), worked out only for the values asked about."""

    def __init__(self, file: str, rows: Rows) -> None:
        self.file, self.rows = file, rows
        self._index: dict[Key, int] | None = None

    def _build(self) -> dict[Key, int]:
        if self._index is None:
            self._index = {k: i for i, k in enumerate(self.rows.keys())}
        return self._index

    def __getitem__(self, key: Key) -> dict[str, Any]:
        return self.of_row(self._build()[key])

    def of_row(self, i: int) -> dict[str, Any]:
        """Where row ``i`` (0: the first after the header) came from."""
        return {"file": self.file, "sheet": None, "row": i + 2}  # one record per line

    def __iter__(self) -> Iterator[Key]:
        return iter(self._build())

    def __len__(self) -> int:
        return len(self.rows)


def _table(data: bytes, name: str) -> tuple[list[str], dict[str, Any]] | None:
    """The header and the columns (all text, trimmed) of a CSV, if it has one record per
    line and no blank line; None otherwise."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        first = data.split(b"\n", 1)[0].decode("utf-8")
    except UnicodeDecodeError:
        return None
    delim = max((",", ";", "\t"), key=first.count)
    width = len(next(csv.reader([first.rstrip("\r")], delimiter=delim), []))
    names = [f"c{i}" for i in range(width)]
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    try:
        table = pcsv.read_csv(
            io.BytesIO(data),
            read_options=pcsv.ReadOptions(column_names=names),
            parse_options=pcsv.ParseOptions(delimiter=delim, newlines_in_values=False),
            convert_options=pcsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError):
        return None
    if table.num_rows != lines:  # a blank line or a record over several lines: rows know
        return None
    cols = {}
    for name_, col in zip(table.column_names, table.columns, strict=True):
        if col.type != pa.string():
            col = pc.cast(col, pa.string())
        cols[name_] = pc.utf8_trim_whitespace(col.combine_chunks())
    names = table.column_names
    header = [cols[n][0].as_py() for n in names]
    body = {n: cols[n].slice(1) for n in names}
    return header, {"names": names, "body": body}


def _locale_of(raw: Any) -> Locale | None:
    """:func:`~chitieu.collect.numbers.detect_locale` of a column: the shapes with one mark
    are told on the whole column, the others one distinct text at a time."""
    import pyarrow.compute as pc

    from chitieu.collect.numbers import _quick_shapes

    marked = pc.filter(raw, pc.match_substring_regex(raw, r"[.,]"))
    found: dict[Locale, str] = {}
    told = None
    for pattern, loc in _quick_shapes():
        hit = pc.match_substring_regex(marked, "^(?:" + pattern.pattern + ")$")
        told = hit if told is None else pc.or_(told, hit)
        if loc is not None:
            first = pc.filter(marked, hit)
            if len(first):
                found.setdefault(loc, first[0].as_py())
    rest = pc.unique(pc.filter(marked, pc.invert(told))).to_pylist() if told is not None else []
    return detect_locale([*(found[k] for k in sorted(found)), *rest])


def _resolve(checker: RowChecker, fn: Any, column: Any) -> tuple[np.ndarray, list[Any]] | None:
    """Each row's code into the distinct cells' resolved values (None: some cell is bad)."""
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(column)
    distinct = enc.dictionary.to_pylist()
    got = [fn(c) for c in distinct]
    if any(g is None for g in got):
        return None
    return enc.indices.to_numpy(zero_copy_only=False).astype(np.int64), got


def check_columns(
    path: Path, locale: Locale | None = None, checker: RowChecker | None = None
) -> tuple[Rows, RowPlaces, Report, str, Locale | None] | None:
    """(rows, places, report, sha256, locale) of a plainly good long-layout CSV, else None."""
    import pyarrow.compute as pc

    from chitieu.collect.importer import map_header

    data = path.read_bytes()
    got = _table(data, path.name)
    if got is None:
        return None
    header, parts = got
    report = Report()
    cols = map_header(header, path.name, None, report)
    if cols is None or report.findings:
        return None
    body = {c: parts["body"][parts["names"][i]] for c, i in cols.items()}
    n = len(body["indicator"])
    if n == 0 or any(pc.any(pc.equal(body[c], "")).as_py() for c in REQUIRED):
        return None
    checker = checker or RowChecker(locale=locale)
    ind = _resolve(checker, checker._ind, body["indicator"])
    per = _resolve(checker, checker._per, body["period"])
    kind = _resolve(checker, checker._kind, body["kind"])
    if ind is None or per is None or kind is None:
        return None
    if "status" in body:
        got_status = _resolve(checker, checker._status, body["status"])
        if got_status is None:
            return None
        status = (got_status[0], [str(s) for s in got_status[1]])
    else:
        status = (np.zeros(n, dtype=np.int64), [str(checker._status(None))])
    # units: each (text, period) pair resolved once
    ucodes, utexts = _resolve(checker, lambda t: t, body["unit"])  # type: ignore[misc]
    pairs = ucodes * len(per[1]) + per[0]
    distinct, inverse = np.unique(pairs, return_inverse=True)
    units: list[str] = []
    for pair in distinct.tolist():
        text, p = utexts[pair // len(per[1])], per[1][pair % len(per[1])][0]
        found = checker._unit(text, p) if text and not suspect(text) else None
        if not isinstance(found, str):
            return None
        units.append(found)
    # numbers: the file's locale, then the plain decimals read on the whole column
    raw = body["value"]
    if locale is None:
        try:
            locale = _locale_of(raw)
        except NumberFormatError:
            return None
        checker.locale = locale
    pattern = plain_decimal(locale)
    shape = "^" + (pattern.pattern.removesuffix("\\Z") if pattern else r"-?[0-9]{1,15}") + "$"
    plain = pc.match_substring_regex(raw, shape)  # what the row checker reads with float()
    mask = plain.to_numpy(zero_copy_only=False)
    values = np.full(n, np.nan)
    text = pc.replace_substring(pc.filter(raw, plain), ",", ".")
    values[mask] = pc.cast(text, "double").to_numpy()
    others = np.flatnonzero(~mask)
    if len(others):
        odd = pc.take(raw, others).to_pylist()
        for i, cell in zip(others.tolist(), odd, strict=True):
            v = checker._number(cell)
            if not isinstance(v, float):
                return None
            values[i] = v
    integer = np.array([g[1] for g in ind[1]], dtype=bool)[ind[0]]
    if (integer & (values != np.floor(values))).any():
        return None
    # each indicator's domain (catalog): lowest and highest value, per row by its code
    low = np.array([g[2] for g in ind[1]], dtype=np.float64)[ind[0]]
    high = np.array([g[3] for g in ind[1]], dtype=np.float64)[ind[0]]
    if ((values < low) | (values > high)).any():
        return None
    # duplicate keys: one sort
    unit_of_row = inverse.astype(np.int64)
    key = ((ind[0] * len(per[1]) + per[0]) * len(units) + unit_of_row) * len(kind[1]) + kind[0]
    ordered = np.sort(key)
    if (ordered[1:] == ordered[:-1]).any():
        return None
    comment_col: list[str | None]
    # control characters, NUL, invisible characters: the row path names them (pyarrow has
    # read the text as UTF-8, so no lone surrogate can be here)
    if (
        "comment" in body
        and pc.any(pc.match_substring_regex(body["comment"], f"[{SUSPECT_TEXT}]")).as_py()
    ):
        return None
    if "comment" in body and column_too_long(pc.max(pc.utf8_length(body["comment"])).as_py()):
        return None  # a comment may be over the limit: the row path names its rows
    if "comment" in body:
        comment_col = [c or None for c in body["comment"].to_pylist()]
    else:
        comment_col = [None] * n
    columns = {}
    for name, (cell_codes, resolved) in {
        "indicator": (ind[0], [g[0] for g in ind[1]]),
        "unit": (unit_of_row, units),
        "period": (per[0], [g[1] for g in per[1]]),
        "kind": (kind[0], [str(k) for k in kind[1]]),
        "status": status,
    }.items():
        # distinct cells that mean the same ("ict_revenue", "ICT_REVENUE") share one code
        seen: dict[str, int] = {}
        remap = np.array([seen.setdefault(v, len(seen)) for v in resolved], dtype=np.int64)
        columns[name] = (remap[cell_codes], list(seen))
    text_cols = {k: np.array(d, dtype=object)[c].tolist() for k, (c, d) in columns.items()}
    rows = Rows.filled(
        text_cols["indicator"], text_cols["unit"], text_cols["period"], text_cols["kind"],
        values.tolist(), text_cols["status"], comment_col,
    )  # fmt: skip
    for name, (c, d) in columns.items():
        rows.with_codes(name, c, d)
    report.stats = {"rows": n, "valid_rows": n}
    sha = hashlib.sha256(data).hexdigest()
    return rows, RowPlaces(path.name, rows), report, sha, locale


__all__ = ["COLUMNS_FROM", "OPTIONAL", "RowPlaces", "check_columns"]
