"""A form × unit × period: its values, its version, saving it and moving it through the workflow.

draft → submitted → approved, or → returned (with a comment) → draft again on the next save.
Saves go through the import's row checks (``RowChecker``) and the one write path
(``collect.ingest``: the quality rules, the workflow's lock, ``Store.write``); inside the
write's transaction the submission's version is bumped only if it is still the one the client
read, so two clients that read the same version cannot both save: the later one gets 409
Conflict unless it asks to overwrite explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from chitieu.catalog.vocabulary import SubmissionStatus as S
from chitieu.check.findings import Finding, Report
from chitieu.collect.ingest import Origin, ingest
from chitieu.collect.rows import RowChecker
from chitieu.store import workflow
from chitieu.store.db import utcnow
from chitieu.store.values import NewValue, Store
from chitieu.web.accounts import Account
from chitieu.web.errors import Conflict, Forbidden, Invalid
from chitieu.web.i18n import _
from chitieu.web.limits import check_comment
from chitieu.web.state import (
    EDITABLE,
    TRANSITIONS,
    Cell,
    FormState,
    _keys,
    _last_obs,
    action_label,
    load_state,
    status_label,
)

__all__ = ["EDITABLE", "TRANSITIONS", "Cell", "FormState", "load_state"]


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
    with store.transaction() as conn:
        return workflow.ensure_submission(
            conn, state.form.code, state.unit, state.period.id, who, utcnow()
        )


@dataclass
class SaveResult:
    """What a save stored."""

    state: FormState
    changed: int
    batch_id: int | None
    report: Report = field(default_factory=Report)  # the warnings found (errors block)


def _locked(state: FormState) -> Conflict:
    return Conflict(
        _("This report is %(status)s and locked.") % {"status": status_label(state.status)},
        _("An analyst must return or reopen it before it can change."),
    )


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
        raise _locked(state)
    if not parsed.values and not parsed.report.valid:
        raise Invalid(
            _("The values have errors; nothing was saved."), report=parsed.report.to_dict()
        )
    if expected is None and not overwrite:  # no version read: never a silent overwrite
        raise _unversioned(state)
    if not parsed.values:
        if not overwrite and expected != state.etag:
            raise _stale(state)
        _ensure_row(store, state, acc.username)
        return SaveResult(
            load_state(store, state.form, state.unit, state.period), 0, None, parsed.report
        )
    base_version = state.version
    made: dict[str, int] = {}

    def guard(conn: Any, batch_id: int) -> None:
        if not overwrite and expected != state.etag:
            raise _stale(state)
        at = utcnow()
        sub_id = state.sub_id
        if sub_id is None:
            sub_id = workflow.ensure_submission(
                conn, state.form.code, state.unit, state.period.id, acc.username, at
            )
        made["sub_id"] = sub_id
        old = state.status or S.DRAFT
        if not overwrite:
            keys = _keys(state.form, state.unit, state.period.id)
            if not workflow.bump_saved(
                conn, keys, sub_id=sub_id, base=base_version, last=state.last_obs,
                new_status=S.DRAFT, at=at, who=acc.username, action=action, from_status=old,
                batch_id=batch_id,
            ):  # fmt: skip
                raise _stale(state)
            return
        old = workflow.status_of(conn, sub_id) or old
        if workflow.bump(conn, sub_id, None, S.DRAFT, at, acc.username) != 1:
            raise _stale(state)
        workflow.add_event(
            conn, submission_id=sub_id, at=at, actor=acc.username,
            action="overwrite", from_status=old, to_status=S.DRAFT,
            batch_id=batch_id,
        )  # fmt: skip

    origin = Origin(
        acc.username,
        "web" if action != "api" else "api",
        filename=filename,
        note=f"form {state.form.code}, {state.unit}, {state.period.id}",
    )
    before = len(parsed.report.findings)
    result = ingest(store, parsed.values, origin, report=parsed.report, guard=guard)
    for f in parsed.report.findings[before:]:
        parsed.fields.setdefault(f.indicator or "", []).append(f)
    if result.refused:
        raise _locked(replace(state, status=result.refused[0].status))
    if result.batch is None:
        raise Invalid(
            _("The values have errors; nothing was saved."), report=parsed.report.to_dict()
        )
    info = result.batch
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
        with store.read_conn() as conn:
            last = _last_obs(conn, state.form, state.unit, state.period.id, batch_id=info.id)
    new = replace(
        state,
        status=S.DRAFT,
        version=base_version + 1,
        last_obs=last,
        cells=cells,
        sub_id=made["sub_id"],
        updated_at=info.created_at,
        updated_by=acc.username,
    )
    return SaveResult(new, len(parsed.values), info.id, parsed.report)


def _unversioned(state: FormState) -> Conflict:
    return Conflict(
        _("These values do not say which version of the report they were based on; they were "
          "not saved, so that nobody's newer values are overwritten."),
        _("Download the report's Excel template again (its hidden sheet holds the version) and "
          "fill that, or save again choosing to overwrite."),
        current_version=state.etag,
    )  # fmt: skip


def _stale(state: FormState) -> Conflict:
    return Conflict(
        _("Someone else changed this report after you opened it; your values were not saved."),
        _("Reload the page to see the current values, or save again choosing to overwrite."),
        current_version=state.etag,
    )


def four_eyes(acc: Account, state: FormState) -> None:
    """Separation of duties: 403 if ``acc`` wrote the current value of any of the report's
    indicators (the newest vintage of a key — by the form, an Excel upload, the API, an import
    under its name or a lock override) or submitted it. Every role, administrators too: the
    approval is always a second person's."""
    wrote = any(c.created_by == acc.username for c in state.cells.values())
    if wrote or (state.status == S.SUBMITTED and state.updated_by == acc.username):
        raise Forbidden(
            _("You entered or submitted values of this report, so you may not approve it: "
              "another analyst must (separation of duties)."),
            _("Ask another analyst of the ministry to approve it; you may still return it."),
        )  # fmt: skip


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
    if action == "approve":
        four_eyes(acc, state)
    check_comment("comment", comment)
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
        "version": None,  # one more
        "updated_at": now,
        "updated_by": acc.username,
    }
    if action in ("return", "reopen"):
        values["comment"] = comment
    if action == "submit" and state.submitted_at is None:
        values["submitted_at"] = now
    # the slice's lock, as every write of its values takes it: a value written meanwhile either
    # committed before (and is seen below) or waits and then finds the new status
    with store.transaction(slices=[(state.unit, state.period.id)]) as conn:
        if workflow.move(conn, sub_id, current, values) != 1:
            raise _stale(state)
        if action in ("submit", "approve") and _last_obs(
            conn, state.form, state.unit, state.period.id
        ) != (state.last_obs):
            raise _stale(state)  # values changed since the page was read: not what was seen
        workflow.add_event(
            conn, submission_id=sub_id, at=now, actor=acc.username, action=action,
            from_status=current, to_status=target, comment=comment,
        )  # fmt: skip
    return load_state(store, state.form, state.unit, state.period)
