"""ADX (IHE QRPH, namespace ``urn:ihe:qrph:adx:2015``), out: DHIS2's other import format.

One ``group`` per data set, org unit and period (``period="2023-01-01/P6M"``: the first day
and the length, so a cumulative period is written too: ``2023YTD09`` → ``2023-01-01/P9M``),
one ``dataValue`` per value (``dataElement``, ``value``; the kind as a category attribute,
``KIND="ESTIMATE"`` by default, none for an actual figure; the comment as an
``annotation``). Built with ElementTree, not by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from xml.etree import ElementTree as ET

import pyarrow as pa

from chitieu.catalog.periods import parse_period
from chitieu.clock import now
from chitieu.collect.layouts.dhis2_ids import adx_period
from chitieu.interop.dhis2 import Namer, Skipped, data_values

NS = "urn:ihe:qrph:adx:2015"
MEDIA_TYPE = "application/adx+xml"


def to_adx(
    tables: Iterable[pa.Table],
    namer: Namer,
    skipped: Skipped,
    data_set: str | None = None,
    exported: datetime | None = None,
) -> bytes:
    """The values of ``tables`` as an ADX document (UTF-8 bytes)."""
    ET.register_namespace("", NS)
    at = exported or now()  # the store's naive UTC
    stamp = at.isoformat(timespec="seconds") + ("Z" if at.tzinfo is None else "")
    root = ET.Element(f"{{{NS}}}adx", exported=stamp)
    groups: dict[tuple[str, str], ET.Element] = {}
    option_of = namer.mapping.option
    category = namer.mapping.kind_category
    for dv in data_values(tables, namer, skipped, ytd_ok=True):
        key = (dv["orgUnit"], dv["period"])
        group = groups.get(key)
        if group is None:
            attrs = {"orgUnit": dv["orgUnit"], "period": adx_period(parse_period(dv["period"]))}
            if data_set:
                attrs = {"dataSet": data_set, **attrs}
            group = groups[key] = ET.SubElement(root, f"{{{NS}}}group", attrs)
        attrs = {"dataElement": dv["dataElement"], "value": dv["value"]}
        option = option_of(dv["_kind"])
        if option:
            attrs[category] = option
        value = ET.SubElement(group, f"{{{NS}}}dataValue", attrs)
        if dv.get("comment"):
            ET.SubElement(value, f"{{{NS}}}annotation").text = dv["comment"]
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
