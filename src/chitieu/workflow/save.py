"""Saving a report's values so that nothing is lost: a merge against what the user started from.

A save carries, besides the new values, the values the user read (``base``, by indicator: the
form's hidden fields, the Excel template's hidden sheet, the API's ``base``). Then:

- a field (an indicator's value and comment) the user left as it was read is not written, even
  if someone else changed it meanwhile — their change stays;
- a field the user changed is written, unless someone else changed it too since it was read:
  that is a **conflict** naming who, when, the field and both values (409, nothing written);
- ``overwrite`` forces the fields in conflict — all of them (``True``, the API), or those the
  user confirmed (a set of indicators, the form) — and never any other field;
- a field that already holds what the user typed is not written again;
- a field changed since it was read by the same person only (an earlier save or upload of
  theirs: re-uploading one's own file) is no conflict: the later save is written.

Without a base (older clients, a CSV upload) the report's version decides as before: a save
based on another version than the stored one is stale (409) unless it overwrites, and only the
indicators sent are written. Values go through the import's row checks, then the one door in
(``collect.ingest``: the quality rules, the workflow's lock, ``Store.write``); inside the write's
transaction the report's version is raised only if its values are still those the save was
checked against, else the conflicts are checked again on what is stored then.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from chitieu.catalog.vocabulary import Action, Level
from chitieu.check.findings import Finding
from chitieu.check.findings import Report as Findings
from chitieu.collect.ingest import Origin, ingest
from chitieu.collect.rows import RowChecker
from chitieu.store import Conn
from chitieu.store import workflow as repo
from chitieu.store.db import utcnow
from chitieu.store.values import NewValue, Store
from chitieu.workflow.errors import WorkflowConflict, WorkflowForbidden, WorkflowInvalid
from chitieu.workflow.roles import Account
from chitieu.workflow.state import Cell, Report, reload, report_of


@dataclass(frozen=True)
class Field:
    """One indicator's value and comment, as typed or as read (``comment_known``: whether a
    comment was said at all; a save that says none leaves the stored one)."""

    value: float | None
    comment: str | None = None
    comment_known: bool = False


@dataclass(frozen=True)
class Clash:
    """A field the user changed that someone else changed too since the user read it."""

    indicator: str
    base: float | None
    yours: float | None
    theirs: float | None
    by: str | None
    at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "indicator": self.indicator,
            "base": self.base,
            "yours": self.yours,
            "theirs": self.theirs,
            "by": self.by,
            "at": None if self.at is None else self.at.isoformat(),
        }


@dataclass
class Parsed:
    """What a save means: the fields as typed, what they were read as, and the problems."""

    typed: dict[str, Field] = field(default_factory=dict)
    base: dict[str, Field] | None = None  # None: the save does not say what it started from
    report: Findings = field(default_factory=Findings)
    fields: dict[str, list[Finding]] = field(default_factory=dict)  # findings by indicator

    def add(self, indicator: str, findings: list[Finding]) -> None:
        """Findings of one indicator."""
        self.report.extend(findings)
        self.fields.setdefault(indicator, []).extend(findings)

    def touched(self) -> set[str]:
        """The indicators the user changed from what it read (all it typed, without a base)."""
        if self.base is None:
            return set(self.typed) | set(self.fields)
        out = set(self.fields)
        for ind, typed in self.typed.items():
            was = self.base.get(ind)
            if (
                was is None
                or typed.value != was.value
                or (typed.comment_known and was.comment_known and typed.comment != was.comment)
            ):
                out.add(ind)
        return out


def _clean(comment: str | None) -> str | None:
    return (comment or "").strip() or None


def parse_entries(
    report: Report,
    raw: Mapping[str, Any],
    comments: Mapping[str, str] | None = None,
    lang: str = "vi",
    checker: RowChecker | None = None,
) -> Parsed:
    """Check typed values (Vietnamese or English number format by ``lang``) like an import row.

    Indicators absent from ``raw`` are left as they are; an emptied field (or ``None``) deletes
    the value; a comment is said for the indicators of ``comments``.
    """
    comments = comments or {}
    checker = checker or RowChecker(locale="en" if lang == "en" else "vi")
    out = Parsed()
    for ind in report.cells:
        if ind not in raw:
            continue
        text = raw[ind]
        text = text.strip() if isinstance(text, str) else text
        comment = _clean(comments.get(ind))
        known = ind in comments
        if text in (None, ""):
            out.typed[ind] = Field(None, comment, known)
            continue
        where = {"indicator": ind, "unit": report.unit, "period": report.period.id}
        cells = {**where, "value": text, "kind": report.kind, "comment": comment}
        got = checker.check(cells, where)
        if isinstance(got, list):
            out.add(ind, got)
        else:
            out.typed[ind] = Field(got.value, comment, known)
    return out


def parse_base(
    report: Report, raw: Mapping[str, Any], comments: Mapping[str, str] | None, lang: str = "vi"
) -> tuple[dict[str, Field], list[Finding]]:
    """What the user read, by indicator: a number, text in vi/en format, empty or None for no
    value; a comment where ``comments`` says one. Problems as findings (column ``base``)."""
    from chitieu.collect.numbers import parse_number
    from chitieu.errors import NumberFormatError

    base: dict[str, Field] = {}
    problems: list[Finding] = []
    for ind, v in raw.items():
        comment = _clean((comments or {}).get(ind))
        known = comments is not None and ind in comments
        try:
            value = _number(v, lang, parse_number)
        except (NumberFormatError, TypeError, ValueError):
            problems.append(
                Finding(
                    "bad-number",
                    column="base",
                    indicator=ind,
                    unit=report.unit,
                    period=report.period.id,
                    value=str(v),
                )
            )
            continue
        base[ind] = Field(value, comment, known)
    return base, problems


def machine_base(
    values: Mapping[str, str], comments: Mapping[str, str] | None = None
) -> dict[str, Field]:
    """The base a page or a template wrote itself (numbers as Python writes them, "" for no
    value); WorkflowInvalid if one was tampered with."""
    out: dict[str, Field] = {}
    for ind, text in values.items():
        try:
            value = float(text) if text.strip() else None
        except ValueError:
            raise WorkflowInvalid("workflow-values-invalid") from None
        known = comments is not None and ind in comments
        out[ind] = Field(value, _clean((comments or {}).get(ind)), known)
    return out


def machine(value: float | None) -> str:
    """A value as a page or a template keeps it for :func:`machine_base` (exactly)."""
    return "" if value is None else repr(float(value))


def _number(v: Any, lang: str, parse_number: Any) -> float | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(v, int | float):
        return float(v)
    return float(parse_number(str(v), lang))


# --- what a save writes, and what conflicts ---


def _stored(cell: Cell) -> Field:
    return Field(cell.value, cell.comment, True)


def _read(parsed: Parsed, ind: str, stored: Field) -> Field:
    """What the user read of a field: its base (the stored comment where the base says none),
    or the stored field when the save says nothing of what it started from."""
    was = parsed.base.get(ind) if parsed.base is not None else None
    if was is None:
        return stored
    return was if was.comment_known else Field(was.value, stored.comment, True)


def _same(a: Field, b: Field) -> bool:
    return a.value == b.value and a.comment == b.comment


def changes(report: Report, parsed: Parsed) -> dict[str, Field]:
    """The fields the user changed (against what it read, or the stored value without a base)
    and that do not already hold what it typed."""
    out: dict[str, Field] = {}
    for ind, typed in parsed.typed.items():
        stored = _stored(report.cells[ind])
        was = _read(parsed, ind, stored)
        want = Field(typed.value, typed.comment if typed.comment_known else was.comment, True)
        if not _same(want, was) and not _same(want, stored):
            out[ind] = want
    return out


def clashes(report: Report, parsed: Parsed, changed: Mapping[str, Field]) -> list[Clash]:
    """The changed fields someone else changed since the user read them (with a base only)."""
    if parsed.base is None:
        return []
    out = []
    for ind, want in changed.items():
        cell = report.cells[ind]
        if ind in parsed.base and not _same(_stored(cell), _read(parsed, ind, _stored(cell))):
            was = parsed.base[ind]
            out.append(
                Clash(ind, was.value, want.value, cell.value, cell.created_by, cell.created_at)
            )
    return out


class SaveConflict(WorkflowConflict):
    """Fields changed by someone else since the user read them: nothing was written."""

    def __init__(self, report: Report, found: list[Clash]) -> None:
        self.clashes = found
        details = {"conflicts": [c.to_dict() for c in found], "current_version": report.etag}
        super().__init__(
            "workflow-conflict",
            details=details,
            n=len(found),
            fields=", ".join(c.indicator for c in found),
        )

    def text(self, lang: str = "vi") -> tuple[str, str]:
        """Message and hint in ``lang``, each field told with who, when and both values."""
        from chitieu.catalog.messages import error_text

        lines = [
            error_text("workflow-conflict-field", _clash_params(c, lang), lang)[0]
            for c in self.clashes
        ]
        message, hint = error_text(
            "workflow-conflict", {"n": len(self.clashes), "fields": "; ".join(lines)}, lang
        )
        return message, hint


def _clash_params(c: Clash, lang: str) -> dict[str, Any]:
    from chitieu.catalog.indicators import catalog
    from chitieu.catalog.vocabulary import VN_OFFSET
    from chitieu.fmt import format_number

    def num(v: float | None) -> str:
        return "∅" if v is None else format_number(v, _decimals(v), lang)

    at = "" if c.at is None else (c.at + VN_OFFSET).strftime("%H:%M %d/%m/%Y")
    name = catalog().get(c.indicator).name(lang)
    return {
        "indicator": f"{name} ({c.indicator})",
        "by": c.by or "?",
        "at": at,
        "base": num(c.base),
        "theirs": num(c.theirs),
        "yours": num(c.yours),
    }


def _decimals(v: float) -> int:
    text = repr(float(v))
    return 0 if text.endswith(".0") or "e" in text else min(len(text.split(".")[1]), 6)


# --- the save ---


@dataclass
class SaveResult:
    """What a save stored."""

    report: Report
    changed: int
    batch_id: int | None
    findings: Findings = field(default_factory=Findings)  # the warnings found (errors block)
    overwritten: list[str] = field(default_factory=list)  # fields in conflict it replaced


@dataclass
class _Save:
    """One save under way: who, what, and the rule that lets it through."""

    store: Store
    acc: Account
    report: Report
    parsed: Parsed
    expected: str | None
    overwrite: bool | frozenset[str]
    action: str
    at: datetime | None
    changed: dict[str, Field] = field(default_factory=dict)
    forced: list[str] = field(default_factory=list)
    merged: bool = False  # the compare-and-set failed: written over a newer state

    @property
    def level(self) -> int:
        """The level the writer acts at: the unit's own officer, or the ministry on its behalf."""
        return Level.UNIT if self.acc.owns(self.report.unit) else Level.MINISTRY

    def allowed(self, found: list[Clash]) -> list[str]:
        """The fields in conflict the user chose to overwrite; SaveConflict if any is not."""
        ow = self.overwrite
        found = [c for c in found if c.by != self.acc.username]  # the user's own change
        refused = [c for c in found if not (ow is True or (ow and c.indicator in ow))]
        if refused:
            raise SaveConflict(self.report, refused)
        return [c.indicator for c in found]

    def precheck(self) -> None:
        """Role, state, input, conflicts (with a base) or version (without), before writing."""
        r = self.report
        if not self.acc.can_write(r.unit):
            raise WorkflowForbidden("workflow-unit-write", unit=r.unit)
        if not r.editable:
            raise WorkflowConflict("workflow-locked", state=r.status)
        if not self.parsed.report.valid:
            raise _invalid(self.parsed)
        self.changed = changes(r, self.parsed)
        if self.parsed.base is not None:
            self.forced = self.allowed(clashes(r, self.parsed, self.changed))
        elif self.expected is None and not self.overwrite:  # never a silent overwrite
            raise WorkflowConflict("workflow-unversioned", details={"current_version": r.etag})
        elif not self.overwrite and self.expected != r.etag:
            raise _stale(r)

    def guard(self, conn: Conn, batch_id: int) -> None:
        """Inside the write's transaction: the report still editable and, unless the save
        overwrites, its values still those checked (else the conflicts are checked again)."""
        r, at = self.report, self.at or utcnow()
        sub_id = r.sub_id or repo.ensure_submission(conn, r.key, self.acc.username, at)
        event: dict[str, Any] = {
            "at": at,
            "who": self.acc.username,
            "action": self.event_action,
            "from_status": r.status or "draft",
            "batch_id": batch_id,
            "level": self.level,
        }
        if repo.bump_saved(conn, r.keys, sub_id=sub_id, base=r.version, last=r.last_obs, **event):
            return
        if self.parsed.base is None and not self.overwrite:
            raise _stale(r)
        self.merged = True
        fresh = report_of(r.form, r.unit, r.period, r.round, repo.form_state(conn, r.key, r.keys))
        if not fresh.editable:
            raise WorkflowConflict("workflow-locked", state=fresh.status)
        if self.parsed.base is not None:
            self.forced = self.allowed(clashes(fresh, self.parsed, self.changed))
        if repo.bump(conn, sub_id, None, at, self.acc.username) != 1:
            raise _stale(fresh)
        repo.add_event(
            conn,
            submission_id=sub_id,
            at=at,
            actor=self.acc.username,
            action=self.event_action,
            from_status=fresh.status or "draft",
            to_status=fresh.status or "draft",
            batch_id=batch_id,
            level=self.level,
        )

    @property
    def event_action(self) -> str:
        """``overwrite`` when the save replaces someone else's change, else its own action."""
        legacy = self.parsed.base is None and bool(self.overwrite)
        return Action.OVERWRITE if self.forced or legacy else self.action


def _invalid(parsed: Parsed) -> WorkflowInvalid:
    return WorkflowInvalid("workflow-values-invalid", details={"report": parsed.report.to_dict()})


def _stale(report: Report) -> WorkflowConflict:
    return WorkflowConflict("workflow-stale", details={"current_version": report.etag})


def save(
    store: Store,
    acc: Account,
    report: Report,
    parsed: Parsed,
    *,
    expected: str | None = None,
    overwrite: bool | frozenset[str] = False,
    action: str = Action.SAVE,
    filename: str | None = None,
    at: datetime | None = None,
) -> SaveResult:
    """Store the fields the user changed as one batch (see the module's rule); the report as
    it stands after."""
    job = _Save(store, acc, report, parsed, expected, overwrite, action, at)
    job.precheck()
    if not job.changed:
        if report.sub_id is None:
            with store.transaction() as conn:
                repo.ensure_submission(conn, report.key, acc.username, at or utcnow())
        return SaveResult(reload(store, report), 0, None, parsed.report)
    rows = [
        NewValue(i, report.unit, report.period.id, report.kind, f.value, comment=f.comment)
        for i, f in job.changed.items()
    ]
    source = "api" if action == Action.API else "web"
    note = f"form {report.form.code} ({report.round.round}), {report.unit}, {report.period.id}"
    origin = Origin(acc.username, source, filename=filename, note=note, at=at)
    before = len(parsed.report.findings)
    result = ingest(store, rows, origin, report=parsed.report, guard=job.guard)
    for f in parsed.report.findings[before:]:
        parsed.fields.setdefault(f.indicator or "", []).append(f)
    if result.refused:
        raise WorkflowConflict("workflow-locked", state=result.refused[0].status)
    if result.batch is None:
        raise _invalid(parsed)
    return SaveResult(
        _after(store, job, result.batch), len(rows), result.batch.id, parsed.report, job.forced
    )


def _after(store: Store, job: _Save, info: Any) -> Report:
    """The report after the save: the one read plus what it wrote, when nothing else changed
    meanwhile (the fast path's compare-and-set proved it), else read again."""
    r = job.report
    if info.last_id is None or r.sub_id is None or job.merged:
        return reload(store, r)
    cells = dict(r.cells)
    for ind, f in job.changed.items():
        cells[ind] = (
            Cell(ind, f.value, f.comment, info.last_id, info.created_at, job.acc.username)
            if f.value is not None
            else Cell(ind)
        )
    return replace(
        r,
        status=r.status or "draft",
        version=r.version + 1,
        last_obs=info.last_id,
        cells=cells,
        updated_at=info.created_at,
        updated_by=job.acc.username,
    )
