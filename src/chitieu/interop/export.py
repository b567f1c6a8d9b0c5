"""``chitieu export``: one entry for every format other systems and analysts take.

=============  =====================================================  ================
format         what                                                   module
=============  =====================================================  ================
dhis2-json     DHIS2 data value set, JSON (bulk form)                 ``dhis2.py``
dhis2-csv      DHIS2 CSV with header (2.43 maps columns by name)      ``dhis2.py``
adx            ADX XML (``2023-01-01/P6M`` periods)                   ``adx.py``
sdmx-csv       SDMX-CSV 2.0 against chitieu's DSD                     ``sdmx.py``
sdmx-ml        SDMX-ML 3.0 structure-specific data                    ``sdmx.py``
parquet        observations or facts, typed columns                   ``parquet.py``
csv            the same, UTF-8 CSV                                    ``parquet.py``
xlsx           the same, Excel for Vietnamese users                   ``xlsx.py``
=============  =====================================================  ================

The observations come from ``store/exchange.py`` (current values, as they stood at a time, or
every vintage), the facts from ``analyze.facts`` (the fact table of a period, with coverage).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

from chitieu.collect.layouts.dhis2_ids import Mapping
from chitieu.errors import ChitieuError
from chitieu.store.exchange import SCHEMA, Selection, observations

FORMATS = ("dhis2-json", "dhis2-csv", "adx", "sdmx-csv", "sdmx-ml", "parquet", "csv", "xlsx")
#: formats that are text (written to standard output when no file is named)
TEXT_FORMATS = frozenset({"dhis2-json", "dhis2-csv", "adx", "sdmx-csv", "sdmx-ml", "csv"})
#: formats of other systems: current observations only
EXCHANGE_FORMATS = frozenset({"dhis2-json", "dhis2-csv", "adx", "sdmx-csv", "sdmx-ml"})
MEDIA_TYPES = {
    "dhis2-json": "application/json",
    "dhis2-csv": "application/csv",
    "adx": "application/adx+xml",
    "sdmx-csv": "application/vnd.sdmx.data+csv; version=2.0.0",
    "sdmx-ml": "application/vnd.sdmx.structurespecificdata+xml; version=3.0.0",
    "parquet": "application/vnd.apache.parquet",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ExportError(ChitieuError):
    """An export that cannot be made as asked (codes ``export-*``): a usage error."""

    exit_code = 2
    http_status = 400


@dataclass(frozen=True)
class ExportRequest:
    """What to export, how."""

    fmt: str
    what: str = "observations"  # or facts
    selection: Selection = field(default_factory=Selection)
    vintages: str = "current"  # or all
    as_of: datetime | None = None
    scheme: str = "CODE"
    mapping: Mapping = field(default_factory=Mapping)
    data_set: str | None = None
    lang: str = "vi"
    boundaries: str = "current"

    def check(self) -> None:
        """Refuse what cannot be made (before anything is read)."""
        if self.fmt not in FORMATS:
            raise ExportError(code="export-format", fmt=self.fmt, formats=", ".join(FORMATS))
        if self.fmt in EXCHANGE_FORMATS and (
            self.what != "observations" or self.vintages != "current"
        ):
            raise ExportError(code="export-exchange-current", fmt=self.fmt)
        if self.what == "facts" and not self.selection.periods:
            raise ExportError(code="export-facts-period")
        if self.scheme not in ("CODE", "UID", "NAME"):
            raise ExportError(code="export-scheme", scheme=self.scheme)


@dataclass
class ExportResult:
    """What an export wrote: rows, and warnings about what it left out."""

    rows: int = 0
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"rows": self.rows, "warnings": self.warnings}


def _tables(store: Any, req: ExportRequest) -> tuple[Iterator[pa.Table], pa.Schema]:
    if req.what == "facts":
        from chitieu.interop.facts import fact_tables

        return fact_tables(store, req.selection, req.as_of, req.boundaries)
    return observations(store, req.selection, vintages=req.vintages, as_of=req.as_of), SCHEMA


class _Counted:
    """The tables of an export, counting the rows that went by."""

    def __init__(self, tables: Iterable[pa.Table]) -> None:
        self.tables, self.rows = tables, 0

    def __iter__(self) -> Iterator[pa.Table]:
        for t in self.tables:
            self.rows += t.num_rows
            yield t


def export(store: Any, req: ExportRequest, out: Path | IO[bytes]) -> ExportResult:
    """Write the export ``req`` asks for to ``out`` (a path: whole or not at all)."""
    req.check()
    tables, schema = _tables(store, req)
    result = ExportResult()
    if req.fmt in ("parquet", "csv", "xlsx"):
        from chitieu.interop import parquet as pq

        if req.fmt == "xlsx":
            title = "Số liệu" if req.what == "observations" else "Bảng số liệu tổng hợp"
            if req.lang == "en":
                title = "Observations" if req.what == "observations" else "Facts"
            result.rows = pq.write_excel(tables, out, schema, title=title, lang=req.lang)
        else:
            write = pq.write_parquet if req.fmt == "parquet" else pq.write_csv
            result.rows = write(tables, out, schema)
        return result
    counted = _Counted(tables)
    data, result.warnings = exchange_bytes(counted, req)
    result.rows = counted.rows - sum(w["values"] for w in result.warnings)
    _write_bytes(out, data)
    return result


def exchange_bytes(tables: Iterable[pa.Table], req: ExportRequest) -> tuple[bytes, list[Any]]:
    """A DHIS2, ADX or SDMX document of ``tables``, and the warnings of what it left out."""
    from chitieu.interop.dhis2 import Namer, Skipped, to_csv, to_json

    skipped = Skipped()
    if req.fmt in ("sdmx-csv", "sdmx-ml"):
        from chitieu.interop import sdmx

        text = sdmx.data_message(sdmx.rows(tables), "csv" if req.fmt == "sdmx-csv" else "xml")
        return text.encode("utf-8"), []
    namer = Namer(req.mapping, req.scheme, req.lang)
    if req.fmt == "adx":
        from chitieu.interop.adx import to_adx

        return to_adx(tables, namer, skipped, req.data_set), skipped.warnings()
    if req.fmt == "dhis2-csv":
        return to_csv(tables, namer, skipped).encode("utf-8"), skipped.warnings()
    doc = to_json(tables, namer, skipped, req.data_set)
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8"), skipped.warnings()


def _write_bytes(out: Path | IO[bytes], data: bytes) -> None:
    if isinstance(out, Path):
        from chitieu.atomic import atomic_path

        with atomic_path(out) as tmp:
            tmp.write_bytes(data)
    else:
        out.write(data)


def export_bytes(store: Any, req: ExportRequest) -> tuple[bytes, ExportResult]:
    """The export as bytes (a web response)."""
    buf = io.BytesIO()
    buf.close = lambda: None  # type: ignore[method-assign]  # writers close their stream
    res = export(store, req, buf)
    return buf.getvalue(), res
