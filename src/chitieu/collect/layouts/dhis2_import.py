"""DHIS2 data value sets, in: read (JSON, CSV, ADX), resolve, check and write through
``collect.ingest``, and answer with DHIS2's import summary.

The summary (``WebMessage`` around an ``ImportSummary``, as DHIS2 2.43 writes it)::

    {httpStatus, httpStatusCode, status, message,
     response: {responseType: "ImportSummary", status, importOptions,
                importCount: {imported, updated, ignored, deleted},
                conflicts: [{object, objects, value, errorCode, property, indexes}],
                rejectedIndexes}}

with the same meaning of each count (a value equal to the stored one is *ignored*; a deletion
of a value that is not stored too), HTTP 200 for success or warnings, 409 with the whole body
when anything was rejected. ``atomic`` (the default, as everywhere in chitieu): one rejected
value and nothing is written. Each conflict also carries chitieu's message and hint in
Vietnamese and English (``chitieu``), and the summary chitieu's own result of the import.

Strategies: CREATE_AND_UPDATE (default), CREATE (stored keys left alone: ignored), UPDATE
(new keys ignored), DELETE (each key given is deleted). The deletion scope (``deletion:
{orgUnits, periods, elements}``) deletes, in the same batch, every stored value of those units
× periods × elements that the payload does not give: one vintage of the slice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chitieu.catalog.messages import error_text
from chitieu.check.findings import Report
from chitieu.collect.layouts import Layout, adx, dhis2_csv, dhis2_json
from chitieu.collect.layouts.dhis2_ids import Mapping
from chitieu.collect.layouts.dhis2_payload import (
    MAX_VALUES,
    Conflict,
    Payload,
    PayloadError,
    RawValue,
)
from chitieu.collect.layouts.dhis2_resolve import ImportOptions, Resolved, Resolver
from chitieu.store.rows import NewValue

FORMATS = ("dhis2-json", "dhis2-csv", "adx")
READERS = {
    "dhis2-json": dhis2_json.parse_payload,
    "dhis2-csv": dhis2_csv.parse_payload,
    "adx": adx.parse_payload,
}
Key = tuple[str, str, str, str]
#: values listed in chitieu's part of the summary
VALUES_SHOWN = 10_000


def sniff(head: bytes) -> str | None:
    """The DHIS2 format a file's first bytes show (None: none of them)."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith(b"{") and any(k.encode() in head for k in dhis2_json.SNIFF):
        return "dhis2-json"
    if start.startswith(b"<") and adx.sniff(head):
        return "adx"
    return "dhis2-csv" if dhis2_csv.sniff(start) else None


@dataclass
class Dhis2Import:
    """An import's outcome: DHIS2's summary, and chitieu's own result."""

    options: ImportOptions
    conflicts: list[Conflict] = field(default_factory=list)
    counts: dict[str, int] = field(
        default_factory=lambda: {"imported": 0, "updated": 0, "ignored": 0, "deleted": 0}
    )
    values: int = 0
    written: bool = False
    batch: int | None = None
    report: Report = field(default_factory=Report)
    too_large: bool = False
    fmt: str = ""
    file: str = ""
    #: the values read (indicator, unit, period, kind, value), the first VALUES_SHOWN
    listed: list[dict[str, Any]] = field(default_factory=list)

    def chitieu(self) -> dict[str, Any]:
        """chitieu's own result (the shape of every import's JSON)."""
        return _chitieu(self)

    @property
    def rejected(self) -> list[int]:
        """Positions of the values rejected (-1 for the whole set)."""
        return sorted({i for c in self.conflicts for i in c.indexes})

    @property
    def status(self) -> str:
        """SUCCESS, WARNING (written, with warnings) or ERROR (anything rejected)."""
        if self.conflicts:
            return "ERROR"
        return "WARNING" if self.report.warnings else "SUCCESS"

    @property
    def http_status(self) -> int:
        """200 for success or warnings, 409 when anything was rejected (413: too large)."""
        if self.too_large:
            return 413
        if any(c.error_code == "E8011" for c in self.conflicts):
            return 403  # values of units the account may not write: refused as the API does
        return 409 if self.conflicts else 200

    def summary(self, lang: str = "vi") -> dict[str, Any]:
        """DHIS2's import summary, with chitieu's result under ``chitieu``."""
        status = self.status
        code = self.http_status
        message = {
            "SUCCESS": "Import was successful.",
            "WARNING": "Import was successful with warnings.",
            "ERROR": "An error occurred, please check import summary.",
        }[status]
        return {
            "httpStatus": {200: "OK", 403: "Forbidden", 409: "Conflict", 413: "Payload Too Large"}[
                code
            ],
            "httpStatusCode": code,
            "status": {"SUCCESS": "OK", "WARNING": "WARNING", "ERROR": "ERROR"}[status],
            "message": message,
            "response": {
                "responseType": "ImportSummary",
                "status": status,
                "importOptions": self.options.to_dict(),
                "description": message,
                "importCount": dict(self.counts),
                "conflicts": [_conflict_dict(c) for c in self.conflicts],
                "rejectedIndexes": [i for i in self.rejected if i >= 0],
                "dataSetComplete": "false",
            },
            "chitieu": self.chitieu(),
        }


def _chitieu(imp: Dhis2Import) -> dict[str, Any]:
    """chitieu's own result of the import, in the shape of every other import."""
    rep = imp.report.to_dict()
    findings = rep.pop("findings")
    return {
        "file": imp.file,
        "layout": imp.fmt,
        "dry_run": imp.options.dry_run,
        "valid": not imp.conflicts,
        "counts": dict(imp.counts),
        "findings": findings,
        "values": imp.listed,
        "values_total": imp.values,
        "finding_counts": rep.pop("counts", {}),
        "written": sum(imp.counts[k] for k in ("imported", "updated", "deleted"))
        if imp.written
        else 0,
        "batch": imp.batch,
    }


def _conflict_dict(c: Conflict) -> dict[str, Any]:
    params = {**c.params, "indexes": ", ".join(map(str, c.indexes))}
    texts = {lang: error_text(c.code, params, lang) for lang in ("vi", "en")} if c.code else {}
    en = texts.get("en", ("", ""))[0]
    value = en[:1].upper() + en[1:] if en else f"Value #{c.indexes}"
    return {
        "object": c.object,
        "objects": c.objects,
        "value": value,
        "errorCode": c.error_code,
        "property": c.property,
        "indexes": c.indexes,
        "chitieu": {
            "code": c.code,
            "message": {lang: t[0] for lang, t in texts.items()},
            "hint": {lang: t[1] for lang, t in texts.items()},
        },
    }


def _merge(conflicts: list[Conflict]) -> list[Conflict]:
    """Conflicts of the same code about the same objects become one, with every index."""
    out: dict[Any, Conflict] = {}
    for c in conflicts:
        have = out.get(c.key())
        if have is None:
            out[c.key()] = Conflict(
                c.error_code,
                c.object,
                dict(c.objects),
                c.property,
                list(c.indexes),
                c.code,
                dict(c.params),
            )
        else:
            have.indexes = sorted(set(have.indexes) | set(c.indexes))
    return list(out.values())


def read_payload(raw: bytes, fmt: str, max_values: int = MAX_VALUES) -> Payload:
    """The payload of ``raw`` in format ``fmt`` (PayloadError: unreadable as a whole)."""
    return READERS[fmt](raw, max_values)


def set_conflict(err: PayloadError) -> Conflict:
    """A payload that cannot be read, as a set-level conflict (index -1)."""
    return Conflict(
        "E8000" if not err.too_large else "E8001",
        err.where,
        {},
        "payload",
        [-1],
        err.code,
        {"where": err.where, "detail": err.detail},
    )


@dataclass
class _Plan:
    """The values resolved, the conflicts found, where each key came from."""

    rows: list[Resolved] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    indexes: dict[Key, list[int]] = field(default_factory=dict)


def plan(payload: Payload, resolver: Resolver, allowed: Callable[[str], bool] | None) -> _Plan:
    """Resolve every value; duplicates (E8128) and units the caller may not write (E8011)."""
    out = _Plan(conflicts=list(payload.conflicts))
    for rv in payload.values:
        got = resolver.resolve(rv)
        if isinstance(got, Conflict):
            out.conflicts.append(got)
            continue
        if allowed is not None and not allowed(got.unit):
            out.conflicts.append(_forbidden(rv, got))
            continue
        key = (got.indicator, got.unit, got.period, got.kind)
        out.indexes.setdefault(key, []).append(rv.index)
        out.rows.append(got)
    for key, idx in out.indexes.items():
        if len(idx) > 1:
            out.conflicts.append(
                Conflict(
                    "E8128",
                    key[0],
                    {"dataElement": key[0]},
                    "value",
                    idx,
                    "dhis2-duplicate",
                    {"key": "/".join(key)},
                )
            )
    return out


def _forbidden(rv: RawValue, got: Resolved) -> Conflict:
    ou = rv.org_unit or ""
    return Conflict(
        "E8011",
        ou,
        {"orgUnit": ou},
        "orgUnit",
        [rv.index],
        "dhis2-unit-forbidden",
        {"id": ou, "unit": got.unit, "index": rv.index},
    )


def new_values(rows: list[Resolved]) -> list[NewValue]:
    """The resolved values as chitieu's values to write (provisional)."""
    return [
        NewValue(r.indicator, r.unit, r.period, r.kind, r.value, comment=r.comment) for r in rows
    ]


def mapping_of(raw: Any) -> Mapping:
    """A mapping given inline (the API's ``mapping`` object) or the default."""
    return Mapping.of(raw) if raw else Mapping()


def layout_read(source: Any, fmt: str) -> Any:
    """A DHIS2 file read as a layout of ``collect.layouts`` (``chitieu import`` of the one
    import shape, ``read_file``): ids by code (or the server's mapping,
    ``CHITIEU_DHIS2_MAPPING``), each conflict a ``dhis2-conflict`` finding at its value's
    position (row = index + 1), its DHIS2 code and chitieu's message."""
    import os
    from pathlib import Path

    from chitieu.check.findings import Finding
    from chitieu.collect.layouts.base import ImportResult

    env = os.environ.get("CHITIEU_DHIS2_MAPPING")
    resolver = Resolver(Mapping.load(Path(env)) if env else Mapping(), ImportOptions())
    result = ImportResult(Report(), file=source.file, layout=fmt)
    try:
        p = plan(read_payload(source.path.read_bytes(), fmt), resolver, None)
        conflicts = _merge(p.conflicts)
    except PayloadError as exc:
        p, conflicts = _Plan(), [set_conflict(exc)]
    for c in conflicts:
        d = _conflict_dict(c)
        result.report.add(
            Finding(
                "dhis2-conflict",
                value=c.object or None,
                file=source.file,
                row=None if c.indexes == [-1] else c.indexes[0] + 1,
                column=c.property,
                params={
                    "code": c.error_code,
                    "message_vi": d["chitieu"]["message"].get("vi", ""),
                    "message_en": d["value"],
                    "hint_vi": d["chitieu"]["hint"].get("vi", ""),
                    "hint_en": d["chitieu"]["hint"].get("en", ""),
                },
            )
        )
    values = new_values(p.rows)
    result.parsed = values
    result.values = values if result.report.valid else []
    result.places = {
        (r.indicator, r.unit, r.period, r.kind): {"file": source.file, "row": r.index + 1}
        for r in p.rows
    }
    return result


def _layout(module: Any) -> Layout:
    """The layout of ``collect.layouts`` of one DHIS2 format: the format module detects, this
    module reads (the format modules import nothing of this one: no import cycle)."""
    name = module.NAME

    def read(source: Any) -> Any:
        return layout_read(source, name)

    return Layout(name, module.TITLE, module.detect, read)


#: the layouts named in ``collect.layouts.MODULES`` ("module:attribute")
JSON_LAYOUT = _layout(dhis2_json)
CSV_LAYOUT = _layout(dhis2_csv)
ADX_LAYOUT = _layout(adx)
