"""The write of a DHIS2 import: its strategy and deletion scope against the stored values,
then ``collect.ingest`` (rules, outliers, the workflow's lock, one batch), and the counts
DHIS2 reports (imported: a new key; updated: a stored value changed; ignored: identical, or
left alone by the strategy; deleted: a stored value deleted).

The stored values a payload touches are read before the write to classify its values; the
write itself leaves out identical values under its locks (``store/unchanged.py``), so a
concurrent writer can make a count off by the values it wrote meanwhile, never the data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chitieu.check.findings import Finding
from chitieu.collect.ingest import Origin, ingest
from chitieu.collect.layouts.dhis2_ids import Mapping
from chitieu.collect.layouts.dhis2_import import (
    VALUES_SHOWN,
    Dhis2Import,
    Key,
    _merge,
    _Plan,
    new_values,
    plan,
    read_payload,
    set_conflict,
)
from chitieu.collect.layouts.dhis2_payload import MAX_VALUES, Conflict, Payload, PayloadError
from chitieu.collect.layouts.dhis2_resolve import ImportOptions, Resolver
from chitieu.store.rows import NewValue
from chitieu.store.values import Store

#: chitieu's findings that have a DHIS2 error code
FINDING_CODES = {"value-locked": "E2017"}


def _stored(store: Store, keys: list[Key]) -> dict[Key, Any]:
    """The current vintage of each of ``keys`` that is stored."""
    if not keys:
        return {}
    periods = sorted({k[2] for k in keys})
    inds = sorted({k[0] for k in keys})
    units = sorted({k[1] for k in keys})
    wanted = set(keys)
    got = store.current(periods, indicators=inds, units=units)
    return {o.key: o for o in got if o.key in wanted}


def _scope(store: Store, payload: Payload, resolver: Resolver, given: set[Key]) -> list[NewValue]:
    """Deletions of the stored values of the deletion scope that the payload does not give."""
    d = payload.deletion or {}
    units_raw, periods = d.get("orgUnits") or [], d.get("periods") or []
    elements = d.get("elements") or []
    if not (units_raw and periods and elements):
        return []
    from chitieu.collect.layouts.dhis2_payload import RawValue

    inds, units, kinds = set(), set(), set()
    for i, el in enumerate(elements):
        el = el if isinstance(el, dict) else {"dataElement": el}
        rv = RawValue(
            -1,
            data_element=el.get("dataElement"),
            category_option_combo=el.get("categoryOptionCombo"),
        )
        ind, kind = resolver.element(rv), resolver.kind(rv)
        if isinstance(ind, Conflict) or isinstance(kind, Conflict):
            raise ValueError(f"deletion.elements[{i}]")
        inds.add(ind)
        kinds.add(kind if el.get("categoryOptionCombo") else None)
    for raw_p in periods:
        period = resolver.period(RawValue(-1, period=str(raw_p)))
        if isinstance(period, Conflict):
            raise ValueError(f"deletion.periods: {raw_p}")
        for ou in units_raw:
            unit = resolver.unit(RawValue(-1, org_unit=str(ou)), period)
            if isinstance(unit, Conflict):
                raise ValueError(f"deletion.orgUnits: {ou}")
            units.add(unit)
    got = store.current([str(p) for p in periods], indicators=sorted(inds), units=sorted(units))
    any_kind = None in kinds
    return [
        NewValue(o.indicator, o.unit, o.period, o.kind, None)
        for o in got
        if o.key not in given and (any_kind or o.kind in kinds)
    ]


def _same(old: Any, new: NewValue) -> bool:
    """DHIS2's "identical": the same value and comment (a stored value's status and method,
    which DHIS2 does not carry, are not changed by sending it back)."""
    return old.value == new.value and (old.comment or None) == (new.comment or None)


def classify(
    values: list[NewValue], before: dict[Key, Any], strategy: str
) -> tuple[list[NewValue], dict[str, int]]:
    """The values to write and DHIS2's counts of what they do."""
    counts = {"imported": 0, "updated": 0, "ignored": 0, "deleted": 0}
    keep = []
    for v in values:
        old = before.get(v.key)
        if v.value is None:
            what = "deleted" if old is not None else "ignored"
        elif old is None:
            what = "ignored" if strategy == "UPDATE" else "imported"
        elif strategy == "CREATE" or _same(old, v):
            what = "ignored"
        else:
            what = "updated"
        counts[what] += 1
        if what != "ignored":
            keep.append(v)
    return keep, counts


def _finding_conflicts(findings: list[Finding], p: _Plan) -> list[Conflict]:
    out = []
    for f in findings:
        if f.severity != "error":
            continue
        idx = sorted(
            {
                i
                for k, ii in p.indexes.items()
                if k[0] == f.indicator
                and (f.unit is None or k[1] == f.unit)
                and (f.period is None or k[2] == f.period)
                for i in ii
            }
        )
        err = FINDING_CODES.get(f.type, f.type)
        obj = f.indicator or ""
        out.append(
            Conflict(
                err,
                obj,
                {"dataElement": obj} if obj else {},
                "value",
                idx or [-1],
                "dhis2-finding",
                {"type": f.type, "message": {"vi": f.message("vi"), "en": f.message("en")}},
            )
        )
    return out


def _options(query: dict[str, Any] | None) -> ImportOptions:
    try:
        return ImportOptions.of(query or {})
    except ValueError:
        return ImportOptions()


def import_dhis2(
    store: Store,
    raw: bytes,
    fmt: str,
    *,
    query: dict[str, Any] | None = None,
    mapping: Mapping | None = None,
    actor: str = "cli",
    source: str = "dhis2",
    filename: str | None = None,
    allowed: Callable[[str], bool] | None = None,
    max_values: int = MAX_VALUES,
    override: str | None = None,
) -> Dhis2Import:
    """Import a DHIS2 data value set (``fmt``: dhis2-json, dhis2-csv or adx)."""
    try:
        payload = read_payload(raw, fmt, max_values)
        options = ImportOptions.of(query or {}, payload.options)
    except PayloadError as exc:
        out = Dhis2Import(
            _options(query), conflicts=[set_conflict(exc)], fmt=fmt, file=filename or ""
        )
        out.too_large = exc.too_large
        return out
    except ValueError as exc:  # an option out of its values
        bad = PayloadError("dhis2-option", "importOptions", str(exc))
        return Dhis2Import(ImportOptions(), conflicts=[set_conflict(bad)], fmt=fmt)
    resolver = Resolver(mapping or Mapping(), options)
    out = Dhis2Import(options, values=len(payload.values), fmt=fmt, file=filename or "")
    p = plan(payload, resolver, allowed)
    values = new_values(p.rows)
    out.listed = [
        {
            "indicator": v.indicator,
            "unit": v.unit,
            "period": v.period,
            "kind": v.kind,
            "value": v.value,
        }
        for v in values[:VALUES_SHOWN]
    ]
    try:
        values += _scope(store, payload, resolver, {v.key for v in values})
    except ValueError as exc:
        p.conflicts.append(
            Conflict(
                "E8034",
                "deletion",
                {},
                "deletion",
                [-1],
                "dhis2-deletion-scope",
                {"where": str(exc)},
            )
        )
    out.conflicts = _merge(p.conflicts)
    if out.conflicts and options.atomic:
        out.counts["ignored"] = len(payload.values)
        return out
    writes, out.counts = classify(values, _stored(store, [v.key for v in values]), options.strategy)
    out.counts["ignored"] += len(out.rejected) - (1 if -1 in out.rejected else 0)
    res = ingest(
        store,
        writes,
        Origin(actor, source, filename),
        dry_run=options.dry_run,
        places={v.key: {"row": p.indexes.get(v.key, [-1])[0]} for v in writes},
        override=override,
        report=out.report,
    )
    if not res.report.valid:
        out.conflicts = _merge(out.conflicts + _finding_conflicts(res.report.findings, p))
        out.counts = {"imported": 0, "updated": 0, "ignored": len(payload.values), "deleted": 0}
        return out
    out.written = res.batch is not None and not options.dry_run
    out.batch = res.batch.id if res.batch else None
    return out
