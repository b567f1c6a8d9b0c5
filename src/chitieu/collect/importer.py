"""Import of a file, whatever its layout: read by its layout, checked, stored as one batch.

The layout is recognised by itself (``collect.layouts``: the long table
``indicator,unit,period,value,kind[,comment][,status]``, the official forms' sheets…) or
named. Every problem of the file is reported in one pass, each at its sheet and cell, and
nothing is written unless the whole file is valid. An official form's values replace that
form's round for their unit and period (``collect.ingest.ReplaceScope``).
"""

from __future__ import annotations

from pathlib import Path

from chitieu.check.findings import Finding, Severity
from chitieu.collect.ingest import Origin, ingest, unlocked
from chitieu.collect.layouts import ImportResult, Options, Source, choose
from chitieu.collect.layouts.base import Progress
from chitieu.collect.layouts.long import check_table, map_header
from chitieu.collect.limits import Limits
from chitieu.collect.numbers import Locale
from chitieu.collect.rows import (
    HEADER_ALIASES,
    KIND_ALIASES,
    OPTIONAL,
    REQUIRED,
    STATUS_ALIASES,
    RowChecker,
    _norm,
)
from chitieu.store.values import Store

#: what other modules took from here before rows.py and layouts/ existed
__all__ = [
    "HEADER_ALIASES",
    "KIND_ALIASES",
    "OPTIONAL",
    "REQUIRED",
    "STATUS_ALIASES",
    "ImportResult",
    "Progress",
    "RowChecker",
    "_norm",
    "check_table",
    "import_file",
    "map_header",
]


def read_file(path: Path, options: Options | None = None, file: str | None = None,
              lim: Limits | None = None) -> ImportResult:  # fmt: skip
    """The file's values as its layout reads them (nothing checked against the store);
    ``file`` names it in findings, ``lim``: the reader's limits (a web upload's)."""
    source = Source(path, options, file, lim=lim)
    return choose(source).read(source)


def import_file(
    path: Path,
    store: Store | None,
    *,
    created_by: str,
    dry_run: bool = False,
    locale: Locale | None = None,
    sheet: str | None = None,
    progress: Progress | None = None,
    override: str | None = None,
    form: str | None = None,
    unit: str | None = None,
    period: str | None = None,
    layout: str | None = None,
    file: str | None = None,
    lim: Limits | None = None,
) -> ImportResult:
    """Check a file and, if it is valid and not a dry run, store it as one batch.

    The layout (``collect.layouts``) reads the file; ``form``, ``unit``, ``period`` tell an
    official form's sheet what it does not say itself. Through the one write path
    (``collect.ingest``): the validation rules and outlier checks run over the values that
    parsed, together with the stored values of the same units, periods and kinds (a rule of
    importance ``error`` blocks the write like a row error, warnings are reported); values of
    submitted or approved reports are refused (``value-locked`` at their place) unless
    ``override`` gives the reason of an explicit override. Without a store (a dry run that
    opens no database) only the file's own values are checked.
    """
    from chitieu.check.runner import validate_values

    opts = Options(form=form, unit=unit, period=period, sheet=sheet, locale=locale,
                   progress=progress, layout=layout)  # fmt: skip
    result = read_file(path, opts, file, lim)
    result.dry_run = dry_run
    if result.compare:
        _compare(result, store)
    if result.parsed and store is None:
        checks = validate_values(None, result.parsed, places=result.places)
        result.report.extend(checks.findings)
        result.counts = {"imported": len(result.parsed)} if result.report.valid else {}
    elif (result.parsed or result.replace) and store is not None:
        origin = Origin(created_by, "import", filename=result.file, sha256=result.sha256)
        got = ingest(store, result.parsed, origin, places=result.places, report=result.report,
                     dry_run=dry_run, override=override, progress=progress,
                     replace=result.replace if result.report.valid else ())  # fmt: skip
        result.batch, result.counts, result.deletions = got.batch, got.counts, got.deletions
    if not result.report.valid:
        result.values, result.counts, result.deletions = [], {}, []
    result.place_cells()
    return result


def _compare(result: ImportResult, store: Store | None) -> None:
    """The compare-only values of an official sheet (other rounds, periods or forms): one
    that differs from the stored figure is a warning at its cell (the stored one is kept);
    one with nothing stored is written with the file, unless a workflow lock holds it (the
    same figure again is passed on too: the write leaves it out as identical)."""
    vals = result.compare
    stored: dict[tuple[str, str, str, str], float | None] = {}
    if store is not None:
        got = store.current(
            sorted({v.period for v in vals}),
            indicators=sorted({v.indicator for v in vals}),
            units=sorted({v.unit for v in vals}),
            kinds=sorted({str(v.kind) for v in vals}),
        )
        stored = {(o.indicator, o.unit, o.period, str(o.kind)): o.value for o in got}
    new = []
    for v in vals:
        old = stored.get(v.key)
        if old is None:
            new.append(v)
        elif v.value is None or abs(old - v.value) <= 1e-9 * max(1.0, abs(old)):
            new.append(v)  # the same figure: the write counts it as ignored
        else:
            where = {k: x for k, x in result.places.get(v.key, {}).items()}
            result.report.add(Finding("form-compare-differs", Severity.WARNING, value=v.value,
                                      indicator=v.indicator, unit=v.unit, period=v.period,
                                      params={"stored": f"{old:g}"}, **where))  # fmt: skip
    keep = unlocked(store, new) if store is not None else new
    result.parsed = [*result.parsed, *keep]
    if result.report.valid:
        result.values = result.parsed
