"""Tables for analysts: observations and facts as Parquet, CSV or Excel.

The observations arrive as Arrow tables (``store/exchange.py``: a table per year, or per chunk
of vintages) and are written as they come: Parquet through one ``ParquetWriter`` (row groups
of a year at most), CSV through Arrow's writer, Excel through the one writer of exports
(``interop/xlsx.py``: typed columns, Vietnamese number and date formats, formula-like text
neutralised). A file is written whole or not at all (``chitieu/atomic.py``).

The Parquet file keeps the store's types: ``value`` a double, ``created_at`` a UTC
timestamp, the text columns strings (dictionary-encoded by the writer), so that DuckDB
(``SELECT * FROM 'obs.parquet'``), pandas (``pd.read_parquet``) and Excel's Power Query read
it without a schema.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from chitieu.atomic import atomic_path
from chitieu.interop.cells import RISKY, csv_cell
from chitieu.interop.xlsx import Column, Sheet, write_xlsx

#: what Parquet files are compressed with (fast to write and read; every reader knows it)
COMPRESSION = "zstd"
_RISKY_START = "^[ ]*[" + "".join("\\" + c if c in "-+" else c for c in RISKY) + "]"


def _first(tables: Iterable[pa.Table], schema: pa.Schema) -> tuple[pa.Table, Iterator[pa.Table]]:
    it = iter(tables)
    head = next(it, None)
    return (head if head is not None else schema.empty_table()), it


def write_parquet(tables: Iterable[pa.Table], out: Path | IO[bytes], schema: pa.Schema) -> int:
    """Write ``tables`` (all of ``schema``) as one Parquet file; returns the rows written."""
    if isinstance(out, Path):
        with atomic_path(out) as tmp:
            return write_parquet(tables, Path(tmp).open("wb"), schema)
    rows = 0
    head, rest = _first(tables, schema)
    # the file's schema is the data's (text dictionary-encoded as Parquet does anyway), not
    # stored as Arrow's: every reader sees plain text columns (not pandas categories)
    with (
        out,
        pq.ParquetWriter(out, head.schema, compression=COMPRESSION, store_schema=False) as writer,
    ):
        for table in (head, *rest):
            writer.write_table(table.cast(head.schema), row_group_size=1 << 20)
            rows += table.num_rows
    return rows


def plain(table: pa.Table) -> pa.Table:
    """``table`` with its dictionary-encoded columns decoded (text as text)."""
    fields = [
        pa.field(f.name, f.type.value_type) if pa.types.is_dictionary(f.type) else f
        for f in table.schema
    ]
    return table.cast(pa.schema(fields))


def safe_strings(table: pa.Table) -> pa.Table:
    """``table`` with text that a spreadsheet would run as a formula prefixed by ``'``
    (``interop/cells.py``); numbers and other columns are left as they are."""
    for i, field in enumerate(table.schema):
        if not pa.types.is_string(field.type):
            continue
        col = table.column(i)
        hits = pc.match_substring_regex(col, _RISKY_START)
        if not pc.any(hits).as_py():
            continue
        fixed = [csv_cell(v) for v in col.to_pylist()]
        table = table.set_column(i, field, pa.array(fixed, type=field.type))
    return table


def write_csv(tables: Iterable[pa.Table], out: Path | IO[bytes], schema: pa.Schema) -> int:
    """Write ``tables`` as one UTF-8 CSV with a header row (formula-like text neutralised);
    returns the rows written."""
    if isinstance(out, Path):
        with atomic_path(out) as tmp:
            return write_csv(tables, Path(tmp).open("wb"), schema)
    rows = 0
    head, rest = _first(tables, schema)
    with out, pacsv.CSVWriter(out, plain(head).schema) as writer:
        for table in (head, *rest):
            writer.write_table(safe_strings(plain(table)))
            rows += table.num_rows
    return rows


#: how each Arrow type is shown in Excel
def _column(field: pa.Field, decimals: int = 2) -> Column:
    t = field.type
    if pa.types.is_timestamp(t):
        return Column(field.name, "datetime", width=18)
    if pa.types.is_integer(t):
        return Column(field.name, "integer")
    if pa.types.is_floating(t):
        return Column(field.name, "number", decimals=decimals, width=16)
    return Column(field.name, "text")


def write_excel(
    tables: Iterable[pa.Table],
    out: Path | IO[bytes],
    schema: pa.Schema,
    *,
    title: str,
    notes: Iterable[str] = (),
    lang: str = "vi",
) -> int:
    """Write ``tables`` as one sheet of a workbook (``interop/xlsx.py``); returns the rows."""
    columns = [_column(f) for f in schema]

    def rows() -> Iterator[list[Any]]:
        for table in tables:
            yield from (list(r.values()) for r in table.to_pylist())

    return write_xlsx([Sheet(title, columns, rows(), notes=list(notes))], out, lang=lang)


def to_bytes(write: Any, tables: Iterable[pa.Table], schema: pa.Schema, **kw: Any) -> bytes:
    """What a writer of this module writes, as bytes (for a web response)."""
    buf = io.BytesIO()
    buf.close = lambda: None  # type: ignore[method-assign]  # the writers close their stream
    write(tables, buf, schema, **kw)
    return buf.getvalue()
