"""DHIS2 data values as CSV, columns **by header name** as DHIS2 2.43 reads them
(``csv/CSV.java``: the exact name or its lower-cased form; a file without a header row is no
longer accepted): ``dataElement, period, orgUnit, categoryOptionCombo, attributeOptionCombo,
value, storedBy, lastUpdated, comment, followUp, deleted``. ``storedBy`` and
``lastUpdated`` are ignored (chitieu records who sent the file and when).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from chitieu.collect.layouts.dhis2_payload import (
    MAX_VALUES,
    Payload,
    PayloadError,
    RawValue,
    text,
    truthy,
)

COLUMNS = {
    "dataelement": "data_element",
    "period": "period",
    "orgunit": "org_unit",
    "categoryoptioncombo": "category_option_combo",
    "attributeoptioncombo": "attribute_option_combo",
    "value": "value",
    "comment": "comment",
    "deleted": "deleted",
}
IGNORED = {"storedby", "lastupdated", "timestamp", "created", "followup"}
NAME = "dhis2-csv"
TITLE = {"vi": "Giá trị DHIS2 (CSV có tiêu đề)", "en": "DHIS2 data values (CSV with header)"}


def detect(source: Any) -> int:
    """50 for a CSV whose header names DHIS2's columns, else 0."""
    return 50 if sniff(source.head()) else 0


#: the longest field csv reads (a comment is far shorter)
FIELD_LIMIT = 1 << 20


def sniff(head: bytes) -> bool:
    """Whether a file starts like DHIS2 CSV (a header with dataElement, period, orgUnit)."""
    first = head.decode("utf-8-sig", errors="replace").splitlines()[:1]
    names = {c.strip().strip('"').lower() for c in (first[0].split(",") if first else [])}
    return {"dataelement", "period", "orgunit", "value"} <= names


def parse_payload(raw: bytes, max_values: int = MAX_VALUES) -> Payload:
    """The data values of a DHIS2 CSV file."""
    try:
        body = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PayloadError("payload-unreadable", f"byte {exc.start}", "not UTF-8") from None
    csv.field_size_limit(FIELD_LIMIT)
    rows = csv.reader(io.StringIO(body, newline=""))
    header = next(rows, None)
    if header is None or not sniff(",".join(header).encode()):
        raise PayloadError(
            "payload-no-header", "line 1", "a header row naming dataElement, period, orgUnit, value"
        )
    names = [h.strip().lower() for h in header]
    unknown = [
        h for h, n in zip(header, names, strict=True) if n not in COLUMNS and n not in IGNORED
    ]
    if unknown:
        raise PayloadError(
            "payload-unknown-column",
            f"line 1, column '{unknown[0]}'",
            "not a DHIS2 column: " + ", ".join(COLUMNS),
        )
    out = Payload("dhis2-csv")
    for i, row in enumerate(rows):
        if len(out.values) >= max_values:
            raise PayloadError(
                "payload-too-large",
                f"line {i + 2}",
                f"more than {max_values} values",
                too_large=True,
            )
        if not any(c.strip() for c in row):
            continue
        fields = {COLUMNS[n]: c for n, c in zip(names, row, strict=False) if n in COLUMNS}
        out.values.append(
            RawValue(
                index=len(out.values),
                data_element=text(fields.get("data_element")),
                period=text(fields.get("period")),
                org_unit=text(fields.get("org_unit")),
                category_option_combo=text(fields.get("category_option_combo")),
                attribute_option_combo=text(fields.get("attribute_option_combo")),
                value=text(fields.get("value")),
                comment=text(fields.get("comment")),
                deleted=truthy(fields.get("deleted", "")),
                place=f"line {i + 2}",
            )
        )
    return out
