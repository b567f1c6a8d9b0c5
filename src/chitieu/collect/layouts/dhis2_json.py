"""DHIS2 data value sets as JSON: the set-level defaults (``dataSet``, ``period``,
``orgUnit``, ``attributeOptionCombo``, ``completeDate``) and the "bulk" form, where each value
carries its own period and org unit; options (``idScheme``, ``dryRun``…) may sit in the
payload, and 2.43's ``deletion`` scope.

Read defensively: nesting deeper than a data value set needs, a key given twice in an object,
more values than the limit or anything but an object of lists of objects is refused with its
place (a :class:`PayloadError`), before any value is looked at.
"""

from __future__ import annotations

import json
from typing import Any

from chitieu.collect.layouts.dhis2_payload import (
    MAX_DEPTH,
    MAX_VALUES,
    OPTION_KEYS,
    Payload,
    PayloadError,
    RawValue,
    text,
    truthy,
)

SNIFF = ("dataValues", "dataSet", "orgUnit")
NAME = "dhis2-json"
TITLE = {"vi": "Tập giá trị DHIS2 (JSON)", "en": "DHIS2 data value set (JSON)"}


def detect(source: Any) -> int:
    """50 for a file whose first bytes are a DHIS2 data value set in JSON, else 0."""
    head = source.head()
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return 50 if start.startswith(b"{") and any(k.encode() in head for k in SNIFF) else 0


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise PayloadError("payload-duplicate-key", f"key '{k}'", "given twice in an object")
        out[k] = v
    return out


def _depth(raw: bytes) -> int:
    """The deepest nesting of brackets outside strings (counted before parsing)."""
    depth = deepest = 0
    in_str = escaped = False
    for b in raw:
        if in_str:
            if escaped:
                escaped = False
            elif b == 0x5C:
                escaped = True
            elif b == 0x22:
                in_str = False
        elif b == 0x22:
            in_str = True
        elif b in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                return deepest
        elif b in (0x5D, 0x7D):
            depth -= 1
    return deepest


def parse(raw: bytes) -> dict[str, Any]:
    """The JSON object of ``raw`` (nesting, duplicate keys and encoding checked)."""
    if _depth(raw) > MAX_DEPTH:
        raise PayloadError("payload-too-deep", "JSON", f"nested deeper than {MAX_DEPTH} levels")
    try:
        doc = json.loads(raw.decode("utf-8-sig"), object_pairs_hook=_pairs)
    except UnicodeDecodeError as exc:
        raise PayloadError("payload-unreadable", f"byte {exc.start}", "not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise PayloadError(
            "payload-unreadable", f"line {exc.lineno}, column {exc.colno}", exc.msg
        ) from None
    if not isinstance(doc, dict):
        raise PayloadError("payload-unreadable", "JSON", "expected an object with dataValues")
    return doc


def parse_payload(raw: bytes, max_values: int = MAX_VALUES) -> Payload:
    """The data value set of a JSON payload."""
    doc = parse(raw)
    values = doc.get("dataValues", [])
    if not isinstance(values, list):
        raise PayloadError("payload-unreadable", "dataValues", "expected a list of values")
    if len(values) > max_values:
        raise PayloadError(
            "payload-too-large",
            "dataValues",
            f"{len(values)} values, at most {max_values}",
            too_large=True,
        )
    defaults = {
        k: text(doc.get(k)) for k in ("dataSet", "period", "orgUnit", "attributeOptionCombo")
    }
    out = Payload("dhis2-json", data_set=defaults["dataSet"])
    out.options = {k: doc[k] for k in OPTION_KEYS if k in doc}
    deletion = doc.get("deletion")
    if deletion is not None and not isinstance(deletion, dict):
        raise PayloadError("payload-unreadable", "deletion", "expected an object")
    out.deletion = deletion
    for i, dv in enumerate(values):
        if not isinstance(dv, dict):
            raise PayloadError("payload-unreadable", f"dataValues[{i}]", "expected an object")
        out.values.append(_value(i, dv, defaults))
    return out


def _value(i: int, dv: dict[str, Any], defaults: dict[str, str | None]) -> RawValue:
    return RawValue(
        index=i,
        data_element=text(dv.get("dataElement")),
        period=text(dv.get("period")) or defaults["period"],
        org_unit=text(dv.get("orgUnit")) or defaults["orgUnit"],
        category_option_combo=text(dv.get("categoryOptionCombo")),
        attribute_option_combo=text(dv.get("attributeOptionCombo"))
        or defaults["attributeOptionCombo"],
        value=dv.get("value"),
        comment=text(dv.get("comment")),
        deleted=truthy(dv.get("deleted", False)),
        data_set=defaults["dataSet"],
        place=f"dataValues[{i}]",
    )
