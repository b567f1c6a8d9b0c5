"""ADX (IHE QRPH, ``urn:ihe:qrph:adx:2015``), in: groups of data values, each group with its
``orgUnit``, ``period`` (``2023-01-01/P6M``: a first day and a length) and ``dataSet``; each
``dataValue`` with ``dataElement``, ``value``, category attributes (the kind: ``KIND=
"ESTIMATE"`` by default) and an optional ``annotation`` (the comment). DHIS2's default id
scheme for ADX is CODE, as chitieu's for every format.

Parsed by defusedxml: a document type declaration, an entity (declared or external) or any
reference to the network is refused with its place; nothing is fetched.
"""

from __future__ import annotations

from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from chitieu.collect.layouts.dhis2_ids import parse_adx_period
from chitieu.collect.layouts.dhis2_payload import (
    MAX_VALUES,
    Payload,
    PayloadError,
    RawValue,
    text,
)

NS = "urn:ihe:qrph:adx:2015"
#: namespaces of ADX documents (the 2015 one and the older draft)
NAMESPACES = (NS, "http://ihe.net/quality/schema/adx")
#: attributes of a data value that are not categories
_VALUE_ATTRS = {"dataElement", "value"}
_GROUP_ATTRS = {"orgUnit", "period", "dataSet", "completeDate", "attributeOptionCombo"}


NAME = "adx"
TITLE = {"vi": "ADX (IHE QRPH, DHIS2)", "en": "ADX (IHE QRPH, DHIS2)"}


def detect(source: Any) -> int:
    """50 for an XML file in ADX's namespace, else 0."""
    return 50 if sniff(source.head()) else 0


def sniff(head: bytes) -> bool:
    """Whether a file looks like ADX (its root element in the ADX namespace)."""
    return any(ns.encode() in head for ns in NAMESPACES) and b"adx" in head


def _local(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


def _root(raw: bytes) -> Any:
    try:
        root = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise PayloadError(
            "payload-xml-forbidden", "document type declaration", f"refused: {type(exc).__name__}"
        ) from None
    except Exception as exc:  # ParseError: not XML at all
        raise PayloadError("payload-unreadable", "XML", str(exc)[:200]) from None
    ns, name = _local(root.tag)
    if ns not in NAMESPACES or name != "adx":
        raise PayloadError("payload-unreadable", f"root <{name}>", f'expected <adx xmlns="{NS}">')
    return root


def parse_payload(raw: bytes, max_values: int = MAX_VALUES) -> Payload:
    """The data values of an ADX document."""
    root = _root(raw)
    out = Payload("adx")
    for g, group in enumerate(root):
        if _local(group.tag)[1] != "group":
            continue
        attrs = dict(group.attrib)
        period_text = text(attrs.get("period"))
        period_id = _period(period_text)
        for v, dv in enumerate(group):
            if _local(dv.tag)[1] != "dataValue":
                continue
            if len(out.values) >= max_values:
                raise PayloadError(
                    "payload-too-large",
                    f"group {g + 1}",
                    f"more than {max_values} values",
                    too_large=True,
                )
            i = len(out.values)
            out.values.append(_value(i, g, v, dv, attrs, period_text, period_id))
        out.data_set = out.data_set or text(attrs.get("dataSet"))
    return out


def _period(period_text: str | None) -> str | None:
    """chitieu's id of an ADX period (None: none, or not a period chitieu has)."""
    if period_text is None:
        return None
    try:
        return parse_adx_period(period_text).id
    except ValueError:
        return None


def _value(
    i: int,
    g: int,
    v: int,
    dv: Any,
    attrs: dict[str, str],
    period_text: str | None,
    period_id: str | None,
) -> RawValue:
    note = next((c.text for c in dv if _local(c.tag)[1] == "annotation"), None)
    cats = {k: str(val) for k, val in dv.attrib.items() if k not in _VALUE_ATTRS}
    return RawValue(
        index=i,
        data_element=text(dv.attrib.get("dataElement")),
        period=period_text,
        period_id=period_id,
        org_unit=text(attrs.get("orgUnit")),
        attribute_option_combo=text(attrs.get("attributeOptionCombo")),
        value=text(dv.attrib.get("value")),
        comment=text(note),
        data_set=text(attrs.get("dataSet")),
        categories=cats,
        place=f"group {g + 1}, dataValue {v + 1}",
    )
