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
    data = path.read_bytes()
    report = Report()
    body = _body(data, path.name, report)
    if body is None:
        return None
    n = len(body["indicator"])
    checker = checker or RowChecker(locale=locale)
    ind = _resolve(checker, checker._ind, body["indicator"])
    per = _resolve(checker, checker._per, body["period"])
    kind = _resolve(checker, checker._kind, body["kind"])
    if ind is None or per is None or kind is None:
        return None
    status = _status_column(checker, body, n)
    got_units = _unit_column(checker, body["unit"], per)
    if status is None or got_units is None:
        return None
    units, inverse = got_units
    # numbers: the file's locale, then the plain decimals read on the whole column
    raw = body["value"]
    if locale is None:
        try:
            locale = _locale_of(raw)
        except NumberFormatError:
            return None
        checker.locale = locale
    values = _value_column(checker, raw, locale, n)
    if values is None or not _values_fit(values, ind):
        return None
    # duplicate keys: one sort
    unit_of_row = inverse.astype(np.int64)
    if _repeats_a_key(ind, per, kind, unit_of_row, len(units)):
        return None
    comment_col = _comment_column(body, n)
    if comment_col is None:
        return None
    columns = _coded_columns({
        "indicator": (ind[0], [g[0] for g in ind[1]]),
        "unit": (unit_of_row, units),
        "period": (per[0], [g[1] for g in per[1]]),
        "kind": (kind[0], [str(k) for k in kind[1]]),
        "status": status,
    })  # fmt: skip
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


def _body(data: bytes, name: str, report: Report) -> dict[str, Any] | None:
    """The file's columns by role (indicator, unit, …), or None if the header is not plainly
    good, there is no row or a required cell is empty."""
    import pyarrow.compute as pc

    from chitieu.collect.header import map_header

    got = _table(data, name)
    if got is None:
        return None
    header, parts = got
    cols = map_header(header, name, None, report)
    if cols is None or report.findings:
        return None
    body = {c: parts["body"][parts["names"][i]] for c, i in cols.items()}
    if len(body["indicator"]) == 0 or any(pc.any(pc.equal(body[c], "")).as_py() for c in REQUIRED):
        return None
    return body


def _repeats_a_key(
    ind: tuple[np.ndarray, list[Any]],
    per: tuple[np.ndarray, list[Any]],
    kind: tuple[np.ndarray, list[Any]],
    unit_of_row: np.ndarray,
    n_units: int,
) -> bool:
    """Whether two rows have the same (indicator, period, unit, kind): one sort."""
    key = ((ind[0] * len(per[1]) + per[0]) * n_units + unit_of_row) * len(kind[1]) + kind[0]
    ordered = np.sort(key)
    return bool((ordered[1:] == ordered[:-1]).any())


def _values_fit(values: np.ndarray, ind: tuple[np.ndarray, list[Any]]) -> bool:
    """Whole where the indicator wants integers, and within each indicator's domain (its
    lowest and highest value, per row by its code)."""
    integer = np.array([g[1] for g in ind[1]], dtype=bool)[ind[0]]
    if (integer & (values != np.floor(values))).any():
        return False
    low = np.array([g[2] for g in ind[1]], dtype=np.float64)[ind[0]]
    high = np.array([g[3] for g in ind[1]], dtype=np.float64)[ind[0]]
    return not ((values < low) | (values > high)).any()


def _status_column(
    checker: RowChecker, body: dict[str, Any], n: int
) -> tuple[np.ndarray, list[str]] | None:
    """The status of each row as (codes, statuses); provisional without the column; None if
    a status is not plainly good."""
    if "status" not in body:
        return np.zeros(n, dtype=np.int64), [str(checker._status(None))]
    got = _resolve(checker, checker._status, body["status"])
    if got is None:
        return None
    return got[0], [str(s) for s in got[1]]


def _unit_column(
    checker: RowChecker, column: Any, per: tuple[np.ndarray, list[Any]]
) -> tuple[list[str], np.ndarray] | None:
    """The unit ids of the distinct (text, period) pairs, each resolved once, and the pair of
    each row; None if a unit is not plainly known for its period."""
    got = _resolve(checker, lambda t: t, column)
    if got is None:  # pragma: no cover - a text is always itself
        return None
    ucodes, utexts = got
    pairs = ucodes * len(per[1]) + per[0]
    distinct, inverse = np.unique(pairs, return_inverse=True)
    units: list[str] = []
    for pair in distinct.tolist():
        text, p = utexts[pair // len(per[1])], per[1][pair % len(per[1])][0]
        found = checker._unit(text, p) if text and not suspect(text) else None
        if not isinstance(found, str):
            return None
        units.append(found)
    return units, inverse


def _value_column(checker: RowChecker, raw: Any, locale: Locale | None, n: int) -> Any:
    """The values as floats: the plain decimals read on the whole column, the others one by
    one; None if one is not a number."""
    import pyarrow.compute as pc

    pattern = plain_decimal(locale)
    shape = "^" + (pattern.pattern.removesuffix("\\Z") if pattern else r"-?[0-9]{1,15}") + "$"
    plain = pc.match_substring_regex(raw, shape)  # what the row checker reads with float()
    mask = plain.to_numpy(zero_copy_only=False)
    values = np.full(n, np.nan)
    text = pc.replace_substring(pc.filter(raw, plain), ",", ".")
    values[mask] = pc.cast(text, "double").to_numpy()
    others = np.flatnonzero(~mask)
    odd = pc.take(raw, others).to_pylist() if len(others) else []
    for i, cell in zip(others.tolist(), odd, strict=True):
        v = checker._number(cell)
        if not isinstance(v, float):
            return None
        values[i] = v
    return values


def _comment_column(body: dict[str, Any], n: int) -> list[str | None] | None:
    """The comments (None where empty); None if one holds control or invisible characters
    or may be over the limit (the row path names those rows). pyarrow has read the text as
    UTF-8, so no lone surrogate can be here."""
    import pyarrow.compute as pc

    if "comment" not in body:
        return [None] * n
    comments = body["comment"]
    if pc.any(pc.match_substring_regex(comments, f"[{SUSPECT_TEXT}]")).as_py():
        return None
    if column_too_long(pc.max(pc.utf8_length(comments)).as_py()):
        return None
    return [c or None for c in comments.to_pylist()]


def _coded_columns(
    cells: dict[str, tuple[np.ndarray, list[str]]],
) -> dict[str, tuple[np.ndarray, list[str]]]:
    """Per column, (a code per row, the distinct values): distinct cells that mean the same
    ("ict_revenue", "ICT_REVENUE") share one code."""
    columns = {}
    for name, (cell_codes, resolved) in cells.items():
        seen: dict[str, int] = {}
        remap = np.array([seen.setdefault(v, len(seen)) for v in resolved], dtype=np.int64)
        columns[name] = (remap[cell_codes], list(seen))
    return columns


__all__ = ["COLUMNS_FROM", "OPTIONAL", "RowPlaces", "check_columns"]
