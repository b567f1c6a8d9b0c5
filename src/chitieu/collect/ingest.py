"""The one way values get in: validate → workflow guard → ``Store.write``.

Every writer calls :func:`ingest` — the CLI's file import, the web form and its Excel upload,
the API, the estimates, the demo — so every value meets the same guards:

1. **validation**: the quality rules over the new values laid over the stored ones, and the
   outlier checks against each unit's history (``check.validate_values``); an error blocks
   the whole write, warnings are reported;
2. **the workflow's lock**: values of a report (a form's round for a unit and period) that is
   submitted, accepted, approved or returned to a level above the unit may not change,
   whoever writes them; checked inside the write's transaction, so a report approved while
   the values were being checked still counts. An analyst may override it explicitly, with a
   reason; each override is recorded as an event of the report it touched;
3. **the write**: one batch, one transaction (``Store.write``), the analytics kept up to date
   in it. A value identical to its key's current vintage adds no vintage: it is counted as
   ignored (``store/unchanged.py``; ``result.ignored``, the report's ``stats``).

A caller adds its own check inside that transaction with ``guard`` (the web form's version
check). Findings carry the place each value came from (``places``: file, sheet, row, cell).

**Replace scope** (``replace``: an official form file, DHIS2's deletion scope): the values
replace those of a form's round for a unit and period — the scope's keys stored but not given
are written as deletions, in the same batch (one new vintage of the form; nothing changed:
none). The stored keys are read before the checks and read again inside the write's
transaction, under its locks: if another writer added a key of the scope meanwhile, the write
is rolled back and made again (``_SCOPE_TRIES``). ``result.counts`` says what the write did:
``imported`` (new keys), ``updated`` (a stored value changed), ``ignored`` (identical, no
vintage), ``deleted`` (read on the write's connection, exact).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chitieu.catalog.forms import forms
from chitieu.catalog.vocabulary import Action, Level
from chitieu.check.findings import Finding, Report
from chitieu.errors import ChitieuError
from chitieu.store import Conn
from chitieu.store.db import utcnow
from chitieu.store.rows import NewValue, Rows
from chitieu.store.scope import prior, stored_in
from chitieu.store.values import ALONGSIDE_FROM, BatchInfo, Store
from chitieu.store.workflow import add_event, locked

Key = tuple[str, str, str, str]
#: a check run inside the write's transaction: (connection, batch id); raising rolls back
Guard = Callable[[Any, int], None]
#: how many times a replacing write is made again when its scope moved under it
_SCOPE_TRIES = 3


@dataclass(frozen=True)
class ReplaceScope:
    """The values of one form's round for one unit and period that a file replaces whole:
    the keys stored there that the file does not give are deleted (one vintage, one batch)."""

    form: str
    unit: str
    period: str
    round: str

    def keys(self) -> tuple[str, tuple[str, ...]]:
        """(kind, indicators) of the scope, from the form catalog."""
        form = forms().get(self.form)
        return str(form.round(self.round).kind), form.indicators

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {"form": self.form, "unit": self.unit, "period": self.period, "round": self.round}


class _ScopeMoved(Exception):
    """A key of a replace scope was stored by another writer after the scope was read."""


def _deletions(conn: Any, scopes: Sequence[ReplaceScope], given: set[Key]) -> list[NewValue]:
    """A deletion of every key stored in ``scopes`` that ``given`` does not hold."""
    out = []
    for sc in scopes:
        kind, inds = sc.keys()
        for ind in stored_in(conn, sc.unit, sc.period, kind, inds):
            if (ind, sc.unit, sc.period, kind) not in given:
                out.append(NewValue(ind, sc.unit, sc.period, kind, None))
    return out


def _counts(rows: Rows, before: Mapping[tuple[str, ...], tuple[Any, ...]]) -> dict[str, int]:
    """imported / updated / ignored / deleted of ``rows`` against the vintages ``before``
    (period, indicator, unit, kind → value, status, comment, method, inputs)."""
    out = dict.fromkeys(("imported", "updated", "ignored", "deleted"), 0)
    for v in rows:
        old = before.get((v.period, v.indicator, v.unit, str(v.kind)))
        had = old is not None and old[0] is not None
        mine = (v.value, str(v.status), v.comment or None, v.method or None, v.inputs or None)
        if old is not None and old == mine:
            out["ignored"] += 1
        elif v.value is None:
            out["deleted" if had else "ignored"] += 1
        else:
            out["updated" if had else "imported"] += 1
    return out


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
    """A locked report (submitted, accepted, approved…) some values belong to."""

    form: str
    unit: str
    period: str
    status: str
    keys: tuple[Key, ...]
    round: str = ""


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
    #: what the write did (or a dry run would do): imported, updated, ignored, deleted
    counts: dict[str, int] = field(default_factory=dict)
    #: the deletions a replace scope added (also in ``rows``)
    deletions: list[NewValue] = field(default_factory=list)

    @property
    def written(self) -> int:
        """Rows stored (0 on a dry run or when nothing was written)."""
        return self.batch.rows if self.batch else 0

    @property
    def ignored(self) -> int:
        """Rows left out as identical to their key's current vintage (a retry: no vintage)."""
        return self.batch.ignored if self.batch else 0


def locked_reports(conn: Conn, rows: Rows) -> list[LockedReport]:
    """The locked reports ``rows`` write into (on ``conn``, in its snapshot): a report holds
    the values of its form's indicators of its round's kind, for its unit and period."""
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
        rnd = form.find_round(sub.round) if form is not None else None
        if form is None or rnd is None:
            continue
        keys = tuple(
            k
            for k in by_slice.get((sub.unit, sub.period), [])
            if k[3] == rnd.kind and k[0] in form.indicators
        )
        if keys:
            out.append(LockedReport(form.code, sub.unit, sub.period, sub.status, keys, sub.round))
    return out


def unlocked(store: Store, values: list[NewValue]) -> list[NewValue]:
    """The values no workflow lock holds (an official sheet's compare-only values are
    written only where nothing is stored and no lock applies)."""
    if not values:
        return []
    with store.read_conn() as conn:
        held = locked_reports(conn, Rows.of(values))
    keys = {k for r in held for k in r.keys}
    return [v for v in values if v.key not in keys]


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


@dataclass
class _Job:
    """One ingest under way: its rows, findings and the choices that decide how it is written."""

    store: Store
    rows: Rows
    origin: Origin
    result: IngestResult
    places: Mapping[Key, Mapping[str, Any]] | None
    override: str | None
    guard: Guard | None
    seen: dict[Any, Any] = field(default_factory=dict)  # slabs the checks read
    scopes: Sequence[ReplaceScope] = ()
    given: set[Key] = field(default_factory=set)  # the keys the caller gave (not deletions)

    @property
    def report(self) -> Report:
        """Where the findings go."""
        return self.result.report

    def check(self) -> None:
        """The quality rules and the outlier checks; ``_Invalid`` if they find an error."""
        from chitieu.check.runner import validate_values

        checked = validate_values(
            self.store, self.rows, places=self.places, cap=self.report.cap, slabs_read=self.seen
        )
        self.report.merge(checked)
        if not self.report.valid:
            raise _Invalid

    def check_first(self) -> None:
        """A small write's checks, before it: their reads share one connection, given back
        before the write takes its own (a save holding two pooled connections at once made the
        pool the queue)."""
        with suppress(_Invalid), self.store.reading():
            self.check()

    def dry(self) -> None:
        """What the lock would refuse, without writing."""
        if not len(self.rows):
            return
        with self.store.read_conn() as conn:
            held = locked_reports(conn, self.rows)
            self.result.counts = _counts(self.rows, prior(conn, self.rows))
        if held and self.override is None:
            self.report.extend(lock_findings(Locked(held), self.places))
            self.result.refused = held

    def replace(self) -> None:
        """The deletions of the replace scopes (read now; read again in the transaction)."""
        if not self.scopes:
            return
        self.given = set(self.rows.keys())
        with self.store.read_conn() as conn:
            gone = _deletions(conn, self.scopes, self.given)
        if gone:
            self.rows = self.result.rows = Rows.of([*self.rows, *gone])
        self.result.deletions = gone

    def in_transaction(self, conn: Conn, batch_id: int) -> None:
        """The replace scope read again, the counts, the workflow's lock (and a recorded
        override), then the caller's guard."""
        if self.scopes and _deletions(conn, self.scopes, set(self.rows.keys())):
            raise _ScopeMoved  # a key of the scope stored meanwhile: made again
        self.result.counts = _counts(self.rows, prior(conn, self.rows))
        held = locked_reports(conn, self.rows)
        if held and self.override is None:
            raise Locked(held)
        for r in held:
            _record_override(conn, r, self.origin, batch_id, self.override or "")
        self.result.overridden = held
        if self.guard is not None:
            self.guard(conn, batch_id)

    def write(self, alongside: bool, progress: Callable[[str, int, int], None] | None) -> None:
        """One batch, one transaction; what the checks or the lock refuse is rolled back; a
        replace scope that moved under it is read again and the write made again."""
        for _ in range(_SCOPE_TRIES - 1):
            try:
                self._write(alongside, progress)
                return
            except _ScopeMoved:
                self.rows = self.result.rows = Rows.of(
                    v for v in self.rows if v.key in self.given or v.value is not None
                )
                self.replace()
        self._write(alongside, progress)

    def _write(self, alongside: bool, progress: Callable[[str, int, int], None] | None) -> None:
        o = self.origin
        try:
            self.result.batch = self.store.write(
                self.rows,
                source=o.source,
                created_by=o.actor,
                filename=o.filename,
                sha256=o.sha256,
                note=o.note,
                at=o.at,
                progress=progress,
                in_transaction=self.in_transaction,
                prefetched=self.seen,
                alongside=self.check if alongside else None,
            )
            self.report.stats.update(written=self.result.written, ignored=self.result.ignored)
        except _Invalid:
            self.result.overridden = []  # the checks refused it: rolled back
        except Locked as exc:
            if alongside:  # refused before the checks ran: they speak first, as for a small one
                with suppress(_Invalid):
                    self.check()
            if self.report.valid:
                self.report.extend(lock_findings(exc, self.places))
                self.result.refused = exc.reports
            self.result.overridden = []


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
    replace: Sequence[ReplaceScope] = (),
) -> IngestResult:
    """Check ``values`` and, unless the check or the workflow's lock refuses them, store them
    as one batch. Nothing is written on a dry run or when anything blocks.

    ``override`` (a reason) lets the values into locked reports; the caller decides who may
    (an analyst, an operator at the CLI). ``report`` collects the findings (one is made if
    not given); a refusal by the lock becomes ``value-locked`` findings at the values' places
    (and ``result.refused``). ``replace``: the scopes the values replace whole (the module).
    """
    from chitieu.collect.domains import check_values

    rows = Rows.of(values)
    result = IngestResult(report if report is not None else Report(), rows, dry_run=dry_run)
    if not check_values(rows, result.report, places):  # NaN, infinities, outside a domain
        return result  # (refused before the rules, which would say some of them again)
    job = _Job(store, rows, origin, result, places, override, guard, scopes=replace)
    job.replace()
    rows = job.rows
    # a big write is checked while its vintages are inserted (what the checks refuse rolls the
    # write back); a small one is checked first
    alongside = validate and not dry_run and result.report.valid and len(rows) >= ALONGSIDE_FROM
    if validate and len(rows) and not alongside:
        job.check_first()
    if not result.report.valid:
        return result
    if dry_run or not len(rows):
        job.dry()
        return result
    job.write(alongside, progress)
    return result


def _record_override(conn: Conn, r: LockedReport, origin: Origin, batch_id: int, why: str) -> None:
    from chitieu.store.workflow import report_key, submission_row

    sub = submission_row(conn, report_key(r.form, r.unit, r.period, r.round))
    if sub is None:  # pragma: no cover - it was found locked in this transaction
        return
    add_event(
        conn,
        submission_id=sub["id"],
        at=origin.at or utcnow(),
        actor=origin.actor,
        action=Action.OVERRIDE,
        from_status=r.status,
        to_status=r.status,
        batch_id=batch_id,
        comment=why or None,
        level=Level.MINISTRY,  # an analyst's or an operator's explicit override
    )
