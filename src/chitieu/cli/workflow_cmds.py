"""``chitieu workflow``: the reporting round from the command line — a report's status, its
transitions (submit, accept, approve, return, reopen, reply), the queue of reports waiting
for a level, and a form's approval levels. The same core as the web (``chitieu.workflow``).

Exit codes: 0 done; 1 refused — the account's role, the report's state, four eyes, missing
values or a newer change forbid it, and nothing changed; 2 usage — an unknown form, unit,
period, round or account, or no account named; 3 broken catalog; 4 the database cannot be used.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from chitieu.cli.common import (
    DbOption,
    JsonOption,
    LangOption,
    console,
    handle_errors,
    open_store,
    print_json,
    safe,
    say,
)
from chitieu.errors import ChitieuError
from chitieu.store import StoreLike

if TYPE_CHECKING:
    from chitieu.workflow.roles import Account
    from chitieu.workflow.state import Report

app = typer.Typer(
    help="The reporting round: status, submit, accept, approve, return, reopen, reply, queue, "
    "levels. The acting account is named by --as or CHITIEU_USER. Exit codes: 0 done; 1 "
    "refused (role, state, four eyes, missing values; nothing changed); 2 unknown form, unit, "
    "period, round or account; 4 database unusable.",
    no_args_is_help=True,
)

FormOpt = Annotated[str, typer.Option("--form", "-f", help="Form code, e.g. TTTT-6T.")]
UnitOpt = Annotated[str, typer.Option("--unit", "-u", help="Unit id, code or name (01@34).")]
PeriodOpt = Annotated[str, typer.Option("--period", "-p", help="Period id, e.g. 2026S2.")]
RoundOpt = Annotated[
    str | None,
    typer.Option("--round", "-r", help="estimate, actual or plan (default: the round due next)."),
]
AsOpt = Annotated[
    str | None,
    typer.Option("--as", help="The account that acts (default: CHITIEU_USER)."),
]
CommentOpt = Annotated[
    str | None,
    typer.Option("--comment", "-m", help="Why (required to return, reopen or reply)."),
]


class ActorError(ChitieuError):
    """No account, or no active account of that name, acts (a usage error)."""

    exit_code = 2
    http_status = 400


def _actor(store: StoreLike, name: str | None, required: bool = True) -> Account | None:
    """The active account that acts: ``--as``, else ``CHITIEU_USER``. ActorError if none is
    named (when one must act) or the name is no active account — except, for a command that
    only reads, a ``CHITIEU_USER`` that names no account (it also names who writes imports)."""
    from chitieu.workflow.accounts import Accounts

    strict = required or bool(name)
    name = name or os.environ.get("CHITIEU_USER")
    if not name:
        if required:
            raise ActorError(code="workflow-actor-missing")
        return None
    acc = Accounts(store).by_username(name)
    if acc is None or not acc.active:
        if not strict:
            return None
        raise ActorError(code="workflow-actor-unknown", name=name)
    return acc


def _acting(store: StoreLike, name: str | None) -> Account:
    """The account that must act (``_actor`` with ``required``): never None."""
    acc = _actor(store, name)
    if acc is None:  # _actor raised already; kept for the type checker
        raise ActorError(code="workflow-actor-missing")
    return acc


def _print_report(r: Any, posts: list[Any], actions: list[str], lang: str) -> None:
    from chitieu.fmt import format_number
    from chitieu.workflow.words import round_title, state_label, word

    console.print(f"[bold]{safe(r.form.code)}[/] {safe(r.form.name(lang))}")
    console.print(f"{r.unit} · {round_title(str(r.round.round), r.period, lang, r.deadline)}")
    state = state_label(r.status, lang)
    where = word("levels", r.level, lang)
    console.print(f"[bold]{safe(state)}[/] · {safe(where)} · version {r.etag}")
    if r.comment and r.status in ("returned", "reopened"):
        console.print(f"[yellow]{safe(r.comment)}[/]")
    t = Table("indicator", "value", "by", "comment")
    for c in r.cells.values():
        value = "" if c.value is None else format_number(c.value, 6 if c.value % 1 else 0, lang)
        t.add_row(c.indicator, value, safe(c.created_by or ""), safe(c.comment or ""))
    console.print(t)
    for p in posts:
        console.print(
            f"{p.at:%Y-%m-%d %H:%M} {safe(p.actor)}: {safe(p.label(lang))}"
            + (f" — {safe(p.comment)}" if p.comment else "")
        )
    if actions:
        console.print(say("cli-workflow-may", lang, actions=", ".join(actions)))


def _show(store: StoreLike, r: Report, acc: Account | None, as_json: bool, lang: str) -> None:
    from chitieu.workflow.audit import report_events
    from chitieu.workflow.thread import posts
    from chitieu.workflow.transitions import allowed

    thread = posts(report_events(store, r.sub_id, changes=False))
    actions = allowed(acc, r) if acc is not None else []
    if as_json:
        print_json(
            {
                "ok": True,
                "submission": r.to_dict(),
                "actions": actions,
                "thread": [p.to_dict(lang) for p in thread],
            }
        )
        return
    _print_report(r, thread, actions, lang)


@app.command("status")
@handle_errors
def status(
    form: FormOpt,
    unit: UnitOpt,
    period: PeriodOpt,
    round_: RoundOpt = None,
    actor: AsOpt = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "vi",
) -> None:
    """Where a report stands: state, level, values, thread, and what the account may do."""
    from chitieu.workflow.locate import report_at

    store = open_store(db)
    r = report_at(store, form, unit, period, round_)
    _show(store, r, _actor(store, actor, required=False), as_json, lang)


def _act(
    action: str,
    form: str,
    unit: str,
    period: str,
    round_: str | None,
    comment: str | None,
    actor: str | None,
    db: str | None,
    as_json: bool,
    lang: str,
) -> None:
    from chitieu.workflow.locate import report_at
    from chitieu.workflow.transitions import transition

    store = open_store(db)
    acc = _acting(store, actor)
    r = transition(store, acc, report_at(store, form, unit, period, round_), action, comment)
    _show(store, r, acc, as_json, lang)


def _action_command(action: str, doc: str) -> None:
    @handle_errors
    def command(
        form: FormOpt,
        unit: UnitOpt,
        period: PeriodOpt,
        round_: RoundOpt = None,
        comment: CommentOpt = None,
        actor: AsOpt = None,
        db: DbOption = None,
        as_json: JsonOption = False,
        lang: LangOption = "vi",
    ) -> None:
        _act(action, form, unit, period, round_, comment, actor, db, as_json, lang)

    command.__doc__ = doc
    app.command(action)(command)


for _action, _doc in (
    ("submit", "The unit sends its report (every indicator filled in)."),
    ("accept", "The province's department head accepts a submitted report (level 1)."),
    ("approve", "The ministry approves a report (level 2): its values are locked."),
    ("return", "Return a report to the level below, with a comment (--comment)."),
    ("reopen", "The ministry reopens an approved report for changes, with a comment."),
    ("reply", "Add a comment to a report's thread (--comment)."),
):
    _action_command(_action, _doc)


@app.command("queue")
@handle_errors
def queue_cmd(
    level: Annotated[
        int | None,
        typer.Option("--level", min=0, max=2, help="0 the unit, 1 the head, 2 the ministry."),
    ] = None,
    state: Annotated[
        str | None, typer.Option("--state", help="Only reports in this state.")
    ] = None,
    form: Annotated[str | None, typer.Option("--form", "-f", help="Only this form.")] = None,
    period: Annotated[str | None, typer.Option("--period", "-p", help="Only this period.")] = None,
    actor: AsOpt = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "vi",
) -> None:
    """Reports waiting for a level's action (default: the acting account's own level, or every
    level), or in a state; only the account's units."""
    from chitieu.workflow.agenda import queue
    from chitieu.workflow.words import state_label, word

    store = open_store(db)
    acc = _actor(store, actor, required=False)
    items = queue(store, acc, level=level, state=state, form=form, period=period)
    if as_json:
        print_json({"ok": True, "reports": [i.to_dict() for i in items]})
        return
    t = Table("form", "unit", "round", "state", "waiting for", "updated")
    for i in items:
        waiting = "" if i.waiting is None else word("levels", i.waiting, lang)
        when = f"{i.updated_at:%Y-%m-%d %H:%M} {i.updated_by}" if i.updated_at else ""
        t.add_row(
            i.form,
            i.unit,
            safe(i.title(lang)),
            safe(state_label(i.state, lang)),
            safe(waiting),
            safe(when),
        )
    console.print(t)


@app.command("levels")
@handle_errors
def levels_cmd(
    form: FormOpt,
    set_to: Annotated[
        str | None,
        typer.Option("--set", help="2 (head, then ministry), 1 (ministry) or default."),
    ] = None,
    comment: CommentOpt = None,
    actor: AsOpt = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """A form's approval levels, and every change to them; an administrator sets them with
    --set (recorded with who, when and --comment)."""
    from chitieu.workflow import levels
    from chitieu.workflow.locate import find_form

    store = open_store(db)
    f = find_form(form)
    if set_to is not None:
        levels.set_levels(store, _acting(store, actor), f, levels.parse_levels(set_to), comment)
    now = levels.levels_of(store, f)
    history = levels.history(store, f)
    if as_json:
        print_json(
            {
                "ok": True,
                "form": f.code,
                "levels": now,
                "default": f.approval_levels,
                "history": [c.to_dict() for c in history],
            }
        )
        return
    console.print(f"{f.code}: {now} (catalog: {f.approval_levels})")
    for c in history:
        console.print(
            f"  {c.at:%Y-%m-%d %H:%M} {safe(c.actor)}: {c.levels or 'default'}"
            + (f" — {safe(c.comment)}" if c.comment else "")
        )


def register(main: typer.Typer) -> None:
    """Add ``chitieu workflow`` to the ``chitieu`` app."""
    main.add_typer(app, name="workflow")
