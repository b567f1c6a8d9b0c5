"""DHIS2 data value sets, out: JSON and CSV as DHIS2 2.43 reads them.

Every current value becomes a data value: ``dataElement`` (the indicator), ``period``,
``orgUnit`` (the unit), ``categoryOptionCombo`` (the kind: an estimate or a plan as the
mapping names it, nothing for an actual figure), ``value`` (as DHIS2 writes numbers),
``storedBy``, ``created``/``lastUpdated`` (the vintage's time, UTC), ``comment`` and
``followup``. Identifiers by code unless the scheme says UID (through the mapping file) or
NAME (``collect/layouts/dhis2_ids.py``).

DHIS2 has no cumulative period: a value of ``2023YTD09`` is left out, with a warning that
names the period (ADX writes it: ``interop/adx.py``). A value whose indicator or unit the
mapping has no UID for is left out the same way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa

from chitieu.catalog.indicators import catalog
from chitieu.catalog.periods import parse_period
from chitieu.catalog.units import registry
from chitieu.collect.layouts.dhis2_ids import Mapping, dhis2_period, number
from chitieu.interop.cells import csv_cell

#: DHIS2 2.43's CSV columns, by header name (``csv/CSV.java``)
CSV_COLUMNS = (
    "dataElement",
    "period",
    "orgUnit",
    "categoryOptionCombo",
    "attributeOptionCombo",
    "value",
    "storedBy",
    "lastUpdated",
    "comment",
    "followUp",
)


@dataclass
class Skipped:
    """Values left out of an export, by reason: ``period-not-in-dhis2`` (a cumulative period),
    ``no-uid`` (no DHIS2 id in the mapping); what was left out is named."""

    counts: dict[str, int] = field(default_factory=dict)
    names: dict[str, set[str]] = field(default_factory=dict)

    def add(self, reason: str, name: str) -> None:
        """Count one value left out for ``reason``, naming what."""
        self.counts[reason] = self.counts.get(reason, 0) + 1
        self.names.setdefault(reason, set()).add(name)

    def warnings(self) -> list[dict[str, Any]]:
        """One warning per reason: its code, how many values, which periods or codes."""
        return [
            {"code": f"export-{r}", "values": n, "names": sorted(self.names[r])}
            for r, n in sorted(self.counts.items())
        ]


def _iso(t: datetime | None) -> str | None:
    """A UTC time as DHIS2 writes it (``2023-07-15T03:00:00.000``)."""
    if t is None:
        return None
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}"


class Namer:
    """The DHIS2 ids of indicators, units and kinds in one scheme (cached per code)."""

    def __init__(self, mapping: Mapping, scheme: str = "CODE", lang: str = "vi") -> None:
        self.mapping, self.scheme, self.lang = mapping, scheme.upper(), lang
        self._units = registry()
        self._cat = catalog()
        self._el: dict[str, str | None] = {}
        self._ou: dict[str, str | None] = {}

    def element(self, code: str) -> str | None:
        """The data element id of an indicator."""
        if code not in self._el:
            name = self._cat.get(code).name(self.lang) if code in self._cat else code
            self._el[code] = self.mapping.element_id(code, self.scheme, name)
        return self._el[code]

    def unit(self, unit_id: str) -> str | None:
        """The org unit id of a unit."""
        if unit_id not in self._ou:
            self._ou[unit_id] = self.mapping.unit_id(self._units.get(unit_id), self.scheme)
        return self._ou[unit_id]


def data_values(
    tables: Iterable[pa.Table], namer: Namer, skipped: Skipped, *, ytd_ok: bool = False
) -> Iterator[dict[str, Any]]:
    """Each current value as a DHIS2 data value (dict), those DHIS2 cannot take left out."""
    for table in tables:
        for row in table.to_pylist():
            p = parse_period(row["period"])
            period = p.id if ytd_ok else dhis2_period(p)
            if period is None:
                skipped.add("period-not-in-dhis2", row["period"])
                continue
            de, ou = namer.element(row["indicator"]), namer.unit(row["unit"])
            if de is None or ou is None:
                skipped.add("no-uid", row["indicator"] if de is None else row["unit"])
                continue
            dv: dict[str, Any] = {"dataElement": de, "period": period, "orgUnit": ou}
            combo = namer.mapping.combo(row["kind"])
            if combo:
                dv["categoryOptionCombo"] = combo
            dv["value"] = number(row["value"])
            dv["storedBy"] = row["created_by"]
            dv["created"] = dv["lastUpdated"] = _iso(row["created_at"])
            if row["comment"]:
                dv["comment"] = row["comment"]
            dv["followup"] = False
            dv["_kind"], dv["_row"] = row["kind"], row
            yield dv


def _clean(dv: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in dv.items() if not k.startswith("_")}


def to_json(
    tables: Iterable[pa.Table], namer: Namer, skipped: Skipped, data_set: str | None = None
) -> dict[str, Any]:
    """A DHIS2 data value set (JSON-ready): the bulk form, each value with its own period and
    org unit; ``dataSet`` when one was asked for."""
    values = [_clean(dv) for dv in data_values(tables, namer, skipped)]
    out: dict[str, Any] = {"dataSet": data_set} if data_set else {}
    out["dataValues"] = values
    return out


def to_csv(tables: Iterable[pa.Table], namer: Namer, skipped: Skipped) -> str:
    """DHIS2 CSV with its header row (2.43 maps columns by header name); text a spreadsheet
    would run as a formula is neutralised."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for dv in data_values(tables, namer, skipped):
        w.writerow(
            [csv_cell(dv.get(c)) if c != "followUp" else "false" for c in CSV_COLUMNS[:-1]]
            + ["false"]
        )
    return buf.getvalue()
