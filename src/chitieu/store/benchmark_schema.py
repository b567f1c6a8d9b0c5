"""Table of imported benchmark reference figures (peer countries' publishing data).

The shipped CSV (``chitieu/benchmark/data/publishing_reference.csv``) is the base layer; rows
imported with ``chitieu benchmark import`` add newer vintages on top. Rows are never updated:
a newer figure is a new row, and the newest import of a key wins.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, ForeignKey, Index, Integer, String, Table, Text

from chitieu.store.schema import BigId, metadata

benchmark_reference = Table(
    "benchmark_reference",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("country_iso3", String(3), nullable=False),
    Column("country_name", String(128)),
    Column("year", Integer, nullable=False),
    Column("indicator", String(64), nullable=False),
    Column("value", Float, nullable=False),
    Column("unit", String(64), nullable=False),
    Column("scope_note", Text),
    Column("source_title", Text, nullable=False),
    Column("source_url_or_ref", Text, nullable=False),
    Column("retrieved_via", String(32)),
    Column("batch_id", BigId, ForeignKey("batch.id"), nullable=False),
    Column("row", Integer),  # row number in the imported file
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(128), nullable=False),
)

Index(
    "ix_benchmark_reference_key",
    benchmark_reference.c.indicator,
    benchmark_reference.c.country_iso3,
    benchmark_reference.c.year,
)
