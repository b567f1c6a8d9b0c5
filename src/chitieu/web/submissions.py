"""A form × unit × period: its values, its version, saving it and moving it through the workflow.

draft → submitted → approved, or → returned (with a comment) → draft again on the next save.
Saves go through the CLI import's row checks (RowChecker) and ``Store.write`` (a new vintage,
one transaction); the submission's version is bumped inside that transaction, so two clients
that read the same version cannot both save: the later one gets 409 Conflict unless it asks
to overwrite explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from chitieu.catalog.vocabulary import SubmissionStatus as S
from chitieu.check.findings import Finding, Report
from chitieu.collect.importer import RowChecker
from chitieu.store.db import utcnow
from chitieu.store.values import NewValue, Store
from chitieu.store.web_schema import submission, submission_event
from chitieu.web.accounts import Account
from chitieu.web.errors import Conflict, Forbidden, Invalid
from chitieu.web.i18n import _
from chitieu.web.state import (
    EDITABLE,
    TRANSITIONS,
    Cell,
    FormState,
    _last_obs,
    action_label,
    load_state,
    status_label,
)

__all__ = ["EDITABLE", "TRANSITIONS", "Cell", "FormState", "load_state"]


# Prepared statements of a save (built once; see state.py)
#: bump the version of an editable report, making it a draft again (an explicit overwrite)
_BUMP = (
    update(submission)
    .where(
        submission.c.id == bindparam("sub_id"),
        submission.c.status.in_([S.DRAFT, S.RETURNED]),
    )
    .values(
        version=submission.c.version + 1,
        status=bindparam("new_status"),
        updated_at=bindparam("at"),
        updated_by=bindparam("who"),
    )
)
#: the same, only if the report is still at the version the client read (compare-and-set)
_BUMP_IF_AT = _BUMP.where(submission.c.version == bindparam("base"))
_STATUS = select(submission.c.status).where(submission.c.id == bindparam("sub_id"))
_EVENT = insert(submission_event)


def _extra_checks(store: Store, values: list[NewValue]) -> Report:
    """The validation rules and outlier checks over the values, with the stored ones.

    Rules of importance ``error`` block the write; warnings and outliers are reported.
    """
    from chitieu.check import validate_values

    return validate_values(store, values)


@dataclass
class Parsed:
    """What a form post means: the values that change, and the problems found."""

    values: list[NewValue] = field(default_factory=list)
    report: Report = field(default_factory=Report)
    fields: dict[str, list[Finding]] = field(default_factory=dict)  # by indicator


def parse_entries(
    state: FormState,
    raw: dict[str, Any],
    comments: dict[str, str] | None = None,
    lang: str = "vi",
    checker: RowChecker | None = None,
) -> Parsed:
    """Check typed values (Vietnamese or English number format by ``lang``) like an import row.

    Indicators absent from ``raw`` are left as they are; an emptied field deletes the value.
    """
    comments = comments or {}
    checker = checker or RowChecker(locale="en" if lang == "en" else "vi")
    out = Parsed()
    for ind, cell in state.cells.items():
        if ind not in raw:
            continue
        text = raw[ind]
        text = text.strip() if isinstance(text, str) else text
        comment = (comments.get(ind) or "").strip() or None
        if text in (None, ""):
            if cell.value is not None:
                out.values.append(NewValue(ind, state.unit, state.period.id, state.form.kind, None))
            continue
        where = {"indicator": ind, "unit": state.unit, "period": state.period.id}
        cells = {
            "indicator": ind,
            "unit": state.unit,
            "period": state.period.id,
            "value": text,
            "kind": state.form.kind,
            "comment": comment,
        }
        got = checker.check(cells, where)
        if isinstance(got, list):
            out.report.extend(got)
            out.fields.setdefault(ind, []).extend(got)
        elif got.value != cell.value or (comment is not None and comment != cell.comment):
            out.values.append(got)
    return out


def _ensure_row(store: Store, state: FormState, who: str) -> int:
    """The submission row's id, created (as a draft at version 0) if missing."""
    if state.sub_id is not None:
        return state.sub_id
    key = (
        submission.c.form == state.form.code,
        submission.c.unit == state.unit,
        submission.c.period == state.period.id,
    )
    try:
        with store.engine.begin() as conn:
            conn.execute(
                insert(submission).values(
                    form=state.form.code,
                    unit=state.unit,
                    period=state.period.id,
                    status=S.DRAFT,
                    version=0,
                    updated_at=utcnow(),
                    updated_by=who,
                )
            )
    except IntegrityError:
        pass  # made concurrently by another request
    with store.engine.connect() as conn:
        return int(conn.execute(select(submission.c.id).where(*key)).scalar_one())


@dataclass
class SaveResult:
    """What a save stored."""

    state: FormState
    changed: int
    batch_id: int | None
    report: Report = field(default_factory=Report)  # the warnings found (errors block)


def save(
    store: Store,
    acc: Account,
    state: FormState,
    parsed: Parsed,
    *,
    expected: str | None,
    overwrite: bool = False,
    action: str = "save",
    filename: str | None = None,
) -> SaveResult:
    """Store the changed values as one batch, if the form is editable and ``expected`` current."""
    if not acc.can_write(state.unit):
        raise Forbidden(_("You may not change this unit's data."), state.unit)
    if not state.editable:
        raise Conflict(
            _("This report is %(status)s and locked.") % {"status": status_label(state.status)},
            _("An analyst must return or reopen it before it can change."),
        )
    with store.reading():  # the rules' stored values and the history on one connection
        extra = _extra_checks(store, parsed.values)
    parsed.report.extend(extra.findings)
    for f in extra.findings:
        parsed.fields.setdefault(f.indicator or "", []).append(f)
    if not parsed.report.valid:
        raise Invalid(
            _("The values have errors; nothing was saved."), report=parsed.report.to_dict()
        )
    if not overwrite and expected is not None and expected != state.etag:
        raise _stale(state)
    sub_id = _ensure_row(store, state, acc.username)
    base_version = state.version
    if not parsed.values:
        return SaveResult(
            load_state(store, state.form, state.unit, state.period), 0, None, parsed.report
        )

    def guard(conn: Connection, batch_id: int) -> None:
        old = state.status or S.DRAFT
        if overwrite:
            old = conn.execute(_STATUS, {"sub_id": sub_id}).scalar()
        bump = {"sub_id": sub_id, "new_status": S.DRAFT, "at": utcnow(), "who": acc.username}
        if overwrite:
            n = conn.execute(_BUMP, bump).rowcount
        else:
            n = conn.execute(_BUMP_IF_AT, {**bump, "base": base_version}).rowcount
        if n != 1:
            raise _stale(state)
        if not overwrite and _last_obs(conn, state.form, state.unit, state.period.id) != (
            state.last_obs
        ):
            raise _stale(state)
        conn.execute(
            _EVENT,
            {
                "submission_id": sub_id,
                "at": bump["at"],
                "actor": acc.username,
                "action": "overwrite" if overwrite else action,
                "from_status": old,
                "to_status": S.DRAFT,
                "batch_id": batch_id,
                "comment": None,
            },
        )

    info = store.write(
        parsed.values,
        source="web" if action != "api" else "api",
        created_by=acc.username,
        filename=filename,
        note=f"form {state.form.code}, {state.unit}, {state.period.id}",
        in_transaction=guard,
    )
    if overwrite:
        return SaveResult(
            load_state(store, state.form, state.unit, state.period),
            len(parsed.values),
            info.id,
            parsed.report,
        )
    # the CAS above proved nothing else changed: the new state is the old one plus this save
    cells = dict(state.cells)
    for v in parsed.values:
        cells[v.indicator] = Cell(
            v.indicator, v.value, v.comment, None, info.created_at, acc.username
        )
    last = info.last_id  # the newest id of this save's own rows: the form's newest now
    if last is None:  # a database that does not say: ask for it
        with store.engine.connect() as conn:
            last = _last_obs(conn, state.form, state.unit, state.period.id, batch_id=info.id)
    new = replace(
        state,
        status=S.DRAFT,
        version=base_version + 1,
        last_obs=last,
        cells=cells,
        sub_id=sub_id,
        updated_at=info.created_at,
        updated_by=acc.username,
    )
    return SaveResult(new, len(parsed.values), info.id, parsed.report)


def _stale(state: FormState) -> Conflict:
    return Conflict(
        _("Someone else changed this report after you opened it; your values were not saved."),
        _("Reload the page to see the current values, or save again choosing to overwrite."),
        current_version=state.etag,
    )


def transition(
    store: Store,
    acc: Account,
    state: FormState,
    action: str,
    comment: str | None = None,
    expected: str | None = None,
) -> FormState:
    """Submit, approve, return or reopen; every transition is recorded with who and when."""
    if action not in TRANSITIONS:
        raise Invalid(_("Unknown action %(action)s.") % {"action": action})
    sources, target, ministry, needs_comment = TRANSITIONS[action]
    if not acc.can_write(state.unit) or (ministry and not acc.is_ministry):
        raise Forbidden(_("Your role may not do this."), action)
    if state.status not in sources:
        raise Conflict(
            _("A report that is %(status)s cannot take the action “%(action)s”.")
            % {"status": status_label(state.status), "action": action_label(action)}
        )
    comment = (comment or "").strip() or None
    if needs_comment and not comment:
        raise Invalid(_("Say why in the comment."), _("The reporter sees this comment."))
    if expected is not None and expected != state.etag:
        raise _stale(state)
    if action == "submit" and not state.complete:
        report = Report()
        for c in state.cells.values():
            if c.value is None:
                report.add(
                    Finding(
                        "form-missing-value",
                        column="value",
                        indicator=c.indicator,
                        unit=state.unit,
                        period=state.period.id,
                    )
                )
        raise Invalid(_("Fill in every indicator before submitting."), report=report.to_dict())
    sub_id = state.sub_id if state.sub_id is not None else _ensure_row(store, state, acc.username)
    current = state.status or S.DRAFT
    now = utcnow()
    values: dict[str, Any] = {
        "status": target,
        "version": submission.c.version + 1,
        "updated_at": now,
        "updated_by": acc.username,
    }
    if action in ("return", "reopen"):
        values["comment"] = comment
    if action == "submit" and state.submitted_at is None:
        values["submitted_at"] = now
    with store.transaction() as conn:
        n = conn.execute(
            update(submission)
            .where(submission.c.id == sub_id, submission.c.status == current)
            .values(**values)
        ).rowcount
        if n != 1:
            raise _stale(state)
        conn.execute(
            insert(submission_event).values(
                submission_id=sub_id,
                at=now,
                actor=acc.username,
                action=action,
                from_status=current,
                to_status=target,
                comment=comment,
            )
        )
    return load_state(store, state.form, state.unit, state.period)


def locked_keys(store: Store, values: list[NewValue]) -> list[str]:
    """Keys of ``values`` that belong to a submitted or approved report (they may not change)."""
    from chitieu.web.forms import forms

    wanted = {(v.unit, v.period) for v in values}
    if not wanted:
        return []
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(submission.c.form, submission.c.unit, submission.c.period).where(
                submission.c.status.in_([S.SUBMITTED, S.APPROVED]),
                submission.c.unit.in_(sorted({u for u, _p in wanted})),
                submission.c.period.in_(sorted({p for _u, p in wanted})),
            )
        ).all()
    locked = set()
    all_forms = forms()
    for form, unit, period in rows:
        f = all_forms.get(form)
        if f is not None:
            locked |= {(i, unit, period, f.kind) for i in f.indicators}
    return [
        f"{v.indicator}/{v.unit}/{v.period}/{v.kind}"
        for v in values
        if (v.indicator, v.unit, v.period, str(v.kind)) in locked
    ]
