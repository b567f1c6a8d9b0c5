"""Moving a report through the workflow, level by level, as DHIS2's data approval:

    draft ──submit──▶ submitted ──accept (level 1)──▶ accepted ──approve (level 2)──▶ approved
      ▲                  │                              │                              │
      └──return (to 0)───┘          return (to 1) ◀─────┘            reopen (to 0) ◀───┘

With one approval level (the ministry's own forms, or an administrator's override) a submitted
report is approved or returned by the ministry directly. Each level returns to the one below
with a comment; a report returned to the head (``returned_to`` 1) is accepted again or returned
on to the unit. The unit edits a draft, a report returned to it, or a reopened one (whose label
stays "reopened", not "returned"); the ministry may enter values and submit on the unit's
behalf (the thread says so). Every transition is an event: actor, action, level, comment.

Four eyes at each level: whoever wrote the report's current values or submitted it may not
accept or approve it, and whoever accepted it may not approve it. A transition takes the
report's slice lock, the one every write of its values takes, and refuses values its actor
did not see: no value lands in a report while it is being submitted, accepted or approved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chitieu.catalog.vocabulary import Action, Level
from chitieu.catalog.vocabulary import SubmissionStatus as S
from chitieu.check.findings import Finding
from chitieu.check.findings import Report as Findings
from chitieu.collect.comments import check_comment
from chitieu.store import workflow as repo
from chitieu.store.db import utcnow
from chitieu.store.values import Store
from chitieu.workflow.errors import (
    WorkflowConflict,
    WorkflowForbidden,
    WorkflowInvalid,
)
from chitieu.workflow.notices import on_event
from chitieu.workflow.roles import Account
from chitieu.workflow.state import Report, reload

#: the actions a report takes (``reply`` adds to its thread without moving it)
ACTIONS = (Action.SUBMIT, Action.ACCEPT, Action.APPROVE, Action.RETURN, Action.REOPEN, Action.REPLY)
#: actions that need a comment
NEEDS_COMMENT = (Action.RETURN, Action.REOPEN, Action.REPLY)


@dataclass(frozen=True)
class Step:
    """What an action does to a report: the level that acts, the state it leads to, and the
    row's columns it sets."""

    action: str
    level: int
    target: str | None  # None: the state stays (a reply)
    values: dict[str, Any] = field(default_factory=dict)


def _submit(r: Report) -> Step:
    if not r.editable:
        raise _state(r, Action.SUBMIT)
    return Step(Action.SUBMIT, Level.UNIT, S.SUBMITTED, {"returned_to": None, "accepted_by": None})


def _accept(r: Report) -> Step:
    waiting_head = r.status == S.SUBMITTED or (r.status == S.RETURNED and r.returned_to == 1)
    if r.levels < 2 or not waiting_head:
        raise _state(r, Action.ACCEPT)
    return Step(Action.ACCEPT, Level.PROVINCE, S.ACCEPTED, {"returned_to": None})


def _approve(r: Report) -> Step:
    # one level: a submitted report (or one accepted before the form's levels were reduced)
    ready = (S.ACCEPTED,) if r.levels >= 2 else (S.SUBMITTED, S.ACCEPTED)
    if r.status not in ready:
        if r.levels >= 2 and r.status == S.SUBMITTED:
            raise WorkflowConflict("workflow-waiting", level=Level.PROVINCE, action=Action.APPROVE)
        raise _state(r, Action.APPROVE)
    return Step(Action.APPROVE, Level.MINISTRY, S.APPROVED, {"returned_to": None})


def _return(r: Report) -> Step:
    if r.status == S.ACCEPTED:  # the ministry returns it to the head
        return Step(Action.RETURN, Level.MINISTRY, S.RETURNED, {"returned_to": Level.PROVINCE})
    if r.status == S.SUBMITTED or (r.status == S.RETURNED and r.returned_to == 1):
        return Step(Action.RETURN, r.chain[0], S.RETURNED, {"returned_to": Level.UNIT})
    raise _state(r, Action.RETURN)


def _reopen(r: Report) -> Step:
    if r.status != S.APPROVED:
        raise _state(r, Action.REOPEN)
    values = {"returned_to": Level.UNIT, "accepted_by": None}
    return Step(Action.REOPEN, Level.MINISTRY, S.REOPENED, values)


def _reply(r: Report) -> Step:
    if r.sub_id is None:
        raise WorkflowConflict("workflow-nothing-started")
    return Step(Action.REPLY, Level.UNIT, None)


_RULES = {
    Action.SUBMIT: _submit,
    Action.ACCEPT: _accept,
    Action.APPROVE: _approve,
    Action.RETURN: _return,
    Action.REOPEN: _reopen,
    Action.REPLY: _reply,
}
#: the level an action is done at, to tell a role that may never do it (before the state)
_NOMINAL: dict[str, int] = {
    Action.SUBMIT: Level.UNIT,
    Action.ACCEPT: Level.PROVINCE,
    Action.APPROVE: Level.MINISTRY,
    Action.REOPEN: Level.MINISTRY,
}


def _state(r: Report, action: str) -> WorkflowConflict:
    return WorkflowConflict("workflow-state", state=r.status, action=action)


def _may(acc: Account, r: Report, action: str, level: int) -> bool:
    if action == Action.REPLY:
        return acc.may_reply(r.unit)
    if action == Action.RETURN and level == -1:  # which level returns depends on the state
        return acc.acts_at(Level.PROVINCE, r.unit) or acc.acts_at(Level.MINISTRY, r.unit)
    return acc.acts_at(level, r.unit)


def _role(acc: Account, r: Report, action: str, level: int) -> None:
    if not _may(acc, r, action, level):
        who = level if level >= 0 else Level.PROVINCE  # a return: the head's, or above
        raise WorkflowForbidden("workflow-role", action=action, level=who)


def four_eyes(acc: Account, r: Report, action: str) -> None:
    """Separation of duties: 403 if ``acc`` wrote a current value of the report (the newest
    vintage of a key — by the form, an Excel upload, the API, an import under its name or a
    lock override) or submitted it, or, to approve, accepted it. Every role, administrators
    too: each approval is another person's."""
    if action not in (Action.ACCEPT, Action.APPROVE):
        return
    if acc.username in r.writers or acc.username == r.submitted_by:
        raise WorkflowForbidden("workflow-four-eyes", action=action)
    if action == Action.APPROVE and acc.username == r.accepted_by:
        raise WorkflowForbidden("workflow-four-eyes-accepted")


def plan(acc: Account, r: Report, action: str) -> Step:
    """What ``action`` by ``acc`` would do to ``r``; the refusal (role, state, four eyes) if
    it may not."""
    if action not in _RULES:
        raise WorkflowInvalid("workflow-action-unknown", action=action, actions=", ".join(ACTIONS))
    _role(acc, r, action, _NOMINAL.get(action, -1))
    step = _RULES[Action(action)](r)
    _role(acc, r, action, step.level)
    four_eyes(acc, r, action)
    return step


def allowed(acc: Account, r: Report) -> list[str]:
    """The actions ``acc`` may take on ``r`` now (what a page offers): role, state and four
    eyes allow them; a comment may still be needed."""
    from chitieu.errors import ChitieuError

    out = []
    for action in ACTIONS:
        try:
            plan(acc, r, action)
        except ChitieuError:
            continue
        out.append(str(action))
    return out


def _names(indicator: str) -> dict[str, object]:
    """An indicator's name in both languages (messages name it, not its code)."""
    from chitieu.catalog.indicators import catalog

    ind = catalog().get(indicator)
    return {"name_vi": ind.name("vi"), "name_en": ind.name("en")}


def _incomplete(r: Report) -> WorkflowInvalid:
    report = Findings()
    for c in r.cells.values():
        if c.value is None:
            report.add(
                Finding(
                    "form-missing-value",
                    column="value",
                    indicator=c.indicator,
                    unit=r.unit,
                    period=r.period.id,
                    params=_names(c.indicator),
                )
            )
    return WorkflowInvalid("workflow-incomplete", details={"report": report.to_dict()})


def _acting_level(acc: Account, r: Report, step: Step) -> int:
    """The level recorded with the event: for the unit's own steps, the unit's officer or the
    ministry acting on its behalf; for a reply, the level of the one who writes."""
    if step.level != Level.UNIT:
        return step.level
    if acc.owns(r.unit) and not acc.is_head:
        return Level.UNIT
    return Level.PROVINCE if acc.is_head else Level.MINISTRY


def transition(
    store: Store,
    acc: Account,
    r: Report,
    action: str,
    comment: str | None = None,
    expected: str | None = None,
    at: datetime | None = None,
) -> Report:
    """Submit, accept, approve, return, reopen or reply; every one recorded with who, when, at
    which level and the comment. ``at``: the time recorded (the demo's timeline; default now).
    """
    step = plan(acc, r, action)
    comment = (comment or "").strip() or None
    check_comment("comment", comment)
    if action in NEEDS_COMMENT and not comment:
        raise WorkflowInvalid("workflow-comment-required")
    if expected is not None and expected != r.etag:
        raise WorkflowConflict("workflow-stale", details={"current_version": r.etag})
    if action == Action.SUBMIT and not r.complete:
        raise _incomplete(r)
    when = at or utcnow()
    level = _acting_level(acc, r, step)
    if step.target is None:  # a reply: the thread grows, the report does not move
        with store.transaction() as conn:
            event_id = repo.add_event(
                conn,
                submission_id=r.sub_id,
                at=when,
                actor=acc.username,
                action=action,
                from_status=r.status,
                to_status=r.status,
                comment=comment,
                level=level,
            )
            # the notices go to the outbox in the same transaction; nothing is sent here
            on_event(conn, acc, r, action=action, level=level, event_id=event_id, comment=comment)
        return reload(store, r)
    _move(store, acc, r, step, comment, when, level)
    return reload(store, r)


def _values(
    acc: Account, r: Report, step: Step, comment: str | None, when: datetime
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "status": step.target,
        "updated_at": when,
        "updated_by": acc.username,
        **step.values,
    }
    if step.action in (Action.RETURN, Action.REOPEN):
        values["comment"] = comment
    if step.action == Action.SUBMIT:
        values["submitted_by"] = acc.username
        if r.submitted_at is None:
            values["submitted_at"] = when
    if step.action == Action.ACCEPT:
        values["accepted_by"] = acc.username
    return values


def _move(
    store: Store,
    acc: Account,
    r: Report,
    step: Step,
    comment: str | None,
    when: datetime,
    level: int,
) -> None:
    values = _values(acc, r, step, comment, when)
    # the slice's lock, as every write of its values takes it: a value written meanwhile either
    # committed before (and is seen below) or waits and then finds the new state
    with store.transaction(slices=[(r.unit, r.period.id)]) as conn:
        sub_id = r.sub_id or repo.ensure_submission(conn, r.key, acc.username, when)
        if repo.move(conn, sub_id, r.status or S.DRAFT, r.version, values) != 1:
            raise WorkflowConflict("workflow-stale", details={"current_version": r.etag})
        seen = step.action in (Action.SUBMIT, Action.ACCEPT, Action.APPROVE)
        if seen and repo.last_obs(conn, r.keys) != r.last_obs:
            raise WorkflowConflict("workflow-stale", details={"current_version": r.etag})
        event_id = repo.add_event(
            conn,
            submission_id=sub_id,
            at=when,
            actor=acc.username,
            action=step.action,
            from_status=r.status or S.DRAFT,
            to_status=step.target,
            comment=comment,
            level=level,
        )
        back = step.values.get("returned_to")
        on_event(conn, acc, r, action=step.action, level=level, event_id=event_id,
                 comment=comment, returned_to=back)  # fmt: skip
