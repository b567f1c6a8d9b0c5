"""The one way values get in: validate → workflow guard → ``Store.write``.

Every writer calls :func:`ingest` — the CLI's file import, the web form and its Excel upload,
the API, the estimates, the demo — so every value meets the same guards:

1. **validation**: the quality rules over the new values laid over the stored ones, and the
   outlier checks against each unit's history (``check.validate_values``); an error blocks
   the whole write, warnings are reported;
2. **the workflow's lock**: values of a report that is submitted or approved may not change,
   whoever writes them; checked inside the write's transaction, so a report approved while
   the values were being checked still counts. An analyst may override it explicitly, with a
   reason; each override is recorded as an event of the report it touched;
3. **the write**: one batch, one transaction (``Store.write``), the analytics kept up to date
   in it. A value identical to its key's current vintage adds no vintage: it is counted as
   ignored (``store/unchanged.py``; ``result.ignored``, the report's ``stats``).

A caller adds its own check inside that transaction with ``guard`` (the web form's version
check). Findings carry the place each value came from (``places``: file, sheet, row).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chitieu.catalog.forms import forms
from chitieu.check.findings import Finding, Report
from chitieu.errors import ChitieuError
from chitieu.store.db import utcnow
from chitieu.store.rows import NewValue, Rows
from chitieu.store.values import ALONGSIDE_FROM, BatchInfo, Store
from chitieu.store.workflow import add_event, locked

Key = tuple[str, str, str, str]
#: a check run inside the write's transaction: (connection, batch id); raising rolls back
Guard = Callable[[Any, int], None]


@dataclass(frozen=True)
class Origin:
    """Who writes, and how: recorded with the batch."""

    actor: str
    source: str  # import | web | upload | api | estimate | demo
    filename: str | None = None
    sha256: str | None = None
    note: str | None = None
    #: the write's time (the demo's timeline); default: now
    at: datetime | None = None


@dataclass(frozen=True)
class LockedReport:
    """A submitted or approved report some values belong to."""

    form: str
    unit: str
    period: str
    status: str
    keys: tuple[Key, ...]


class _Invalid(Exception):
    """The checks found errors (the write is rolled back; the report says what)."""


class Locked(ChitieuError):
    """Values belong to submitted or approved reports: nothing was written."""

    exit_code = 1
    http_status = 409

    def __init__(self, reports: list[LockedReport]) -> None:
        names = ", ".join(f"{r.form} {r.unit} {r.period} ({r.status})" for r in reports)
        super().__init__(code="values-locked", reports=names)
        self.reports = reports

    @property
    def keys(self) -> list[str]:
        """indicator/unit/period/kind of every locked value."""
        return ["/".join(k) for r in self.reports for k in r.keys]


@dataclass
class IngestResult:
    """What an ingest checked and wrote."""

    report: Report
    rows: Rows
    batch: BatchInfo | None = None
    dry_run: bool = False
    #: reports whose lock an override went through (recorded as events)
    overridden: list[LockedReport] = field(default_factory=list)
    #: reports whose lock refused the values (nothing was written)
    refused: list[LockedReport] = field(default_factory=list)

    @property
    def written(self) -> int:
        """Rows stored (0 on a dry run or when nothing was written)."""
        return self.batch.rows if self.batch else 0

    @property
    def ignored(self) -> int:
        """Rows left out as identical to their key's current vintage (a retry: no vintage)."""
        return self.batch.ignored if self.batch else 0


def locked_reports(conn: Any, rows: Rows) -> list[LockedReport]:
    """The submitted or approved reports ``rows`` write into (on ``conn``, in its snapshot)."""
    found = locked(conn, rows.slices())
    if not found:
        return []
    by_slice: dict[tuple[str, str], list[Key]] = {}
    for key in rows.keys():  # noqa: SIM118 (Rows is not a mapping)
        by_slice.setdefault((key[1], key[2]), []).append(key)
    out = []
    catalog = forms()
    for sub in found:
        form = catalog.find(sub.form)
        if form is None:
            continue
        keys = tuple(k for k in by_slice.get((sub.unit, sub.period), []) if form.covers(k[0], k[3]))
        if keys:
            out.append(LockedReport(form.code, sub.unit, sub.period, sub.status, keys))
    return out


def lock_findings(exc: Locked, places: Mapping[Key, Mapping[str, Any]] | None) -> list[Finding]:
    """One finding per locked value, at the place it came from."""
    out = []
    for r in exc.reports:
        for key in r.keys:
            where = dict((places or {}).get(key, {}))
            if where:
                where["column"] = "value"
            out.append(
                Finding(
                    "value-locked",
                    indicator=key[0],
                    unit=key[1],
                    period=key[2],
                    params={"form": r.form, "status": r.status, "kind": key[3]},
                    **where,
                )
            )
    return out


def ingest(
    store: Store,
    values: Rows | Iterable[NewValue],
    origin: Origin,
    *,
    places: Mapping[Key, Mapping[str, Any]] | None = None,
    report: Report | None = None,
    validate: bool = True,
    dry_run: bool = False,
    override: str | None = None,
    guard: Guard | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> IngestResult:
    """Check ``values`` and, unless the check or the workflow's lock refuses them, store them
    as one batch. Nothing is written on a dry run or when anything blocks.

    ``override`` (a reason) lets the values into submitted or approved reports; the caller
    decides who may (an analyst, an operator at the CLI). ``report`` collects the findings
    (one is made if not given); a refusal by the lock becomes ``value-locked`` findings at
    the values' places (and ``result.refused``).
    """
    from chitieu.check.runner import validate_values
    from chitieu.collect.domains import check_values

    rows = Rows.of(values)
    report = report if report is not None else Report()
    result = IngestResult(report, rows, dry_run=dry_run)
    if not check_values(rows, report, places):  # NaN, infinities, outside a domain: refused
        return result  # (before the rules, which would say some of them again)
    seen: dict[Any, Any] = {}

    def check() -> None:
        checked = validate_values(store, rows, places=places, cap=report.cap, slabs_read=seen)
        report.merge(checked)
        if not report.valid:
            raise _Invalid

    # a big write is checked while its vintages are inserted (what the checks refuse rolls the
    # write back); a small one is checked first
    alongside = validate and not dry_run and report.valid and len(rows) >= ALONGSIDE_FROM
    if validate and len(rows) and not alongside:
        # the checks' reads share one connection, given back before the write takes its own
        # (a save holding two pooled connections at once made the pool the queue)
        with suppress(_Invalid), store.reading():
            check()
    if not report.valid:
        return result
    if dry_run or not len(rows):
        if len(rows):
            with store.read_conn() as conn:
                held = locked_reports(conn, rows)
            if held and override is None:
                report.extend(lock_findings(Locked(held), places))
                result.refused = held
        return result

    def in_transaction(conn: Any, batch_id: int) -> None:
        held = locked_reports(conn, rows)
        if held and override is None:
            raise Locked(held)
        for r in held:
            _record_override(conn, r, origin, batch_id, override or "")
        result.overridden = held
        if guard is not None:
            guard(conn, batch_id)

    try:
        result.batch = store.write(
            rows,
            source=origin.source,
            created_by=origin.actor,
            filename=origin.filename,
            sha256=origin.sha256,
            note=origin.note,
            at=origin.at,
            progress=progress,
            in_transaction=in_transaction,
            prefetched=seen,
            alongside=check if alongside else None,
        )
        report.stats.update(written=result.written, ignored=result.ignored)
    except _Invalid:
        result.overridden = []  # the checks refused it: rolled back
    except Locked as exc:
        if alongside:  # refused before the checks ran: they speak first, as for a small write
            with suppress(_Invalid):
                check()
        if report.valid:
            report.extend(lock_findings(exc, places))
            result.refused = exc.reports
        result.overridden = []
    return result


def _record_override(conn: Any, r: LockedReport, origin: Origin, batch_id: int, why: str) -> None:
    from chitieu.store.workflow import submission_row

    sub = submission_row(conn, r.form, r.unit, r.period)
    if sub is None:  # pragma: no cover - it was found locked in this transaction
        return
    add_event(
        conn,
        submission_id=sub["id"],
        at=origin.at or utcnow(),
        actor=origin.actor,
        action="override",
        from_status=r.status,
        to_status=r.status,
        batch_id=batch_id,
        comment=why or None,
    )
