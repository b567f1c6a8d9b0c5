"""CLI: the review report (`report`) and its key tasks (`tasks import | list | update`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from chitieu.catalog.units import NATION_ID
from chitieu.cli.common import (
    AsOfOption,
    BoundariesChoice,
    DbOption,
    JsonOption,
    LangOption,
    as_of_of,
    console,
    err_console,
    handle_errors,
    open_store,
    print_json,
    safe,
    say,
    user,
)
from chitieu.cli.periods_opt import date_of
from chitieu.errors import ChitieuError
from chitieu.report.render.base import default_names
from chitieu.report.workers import formats_need_workers

STATUS_VI = {
    "not_started": "chưa triển khai",
    "in_progress": "đang triển khai",
    "done": "hoàn thành",
    "overdue": "quá hạn",
}


_date = date_of  # the one reader of date options (cli/periods_opt.py)


@handle_errors
def report_cmd(
    period: Annotated[str, typer.Option("--period", "-p", help="Period id, e.g. 2023S1, 2023.")],
    unit: Annotated[
        str, typer.Option("--unit", "-u", help="VN (nation) or a province.")
    ] = NATION_ID,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="Comma-separated, from the registered formats. Default: "
            + ",".join(default_names())
            + ".",
            show_default=False,
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out"),
    templates: Annotated[
        Path | None,
        typer.Option(
            "--templates",
            help="Folder with your own report.html.j2, report.md.j2, report.css, "
            "phrasing.yaml or reference.docx (each optional; the rest are the built-ins).",
        ),
    ] = None,
    report_date: Annotated[
        str | None,
        typer.Option("--date", help="Date of the report (heading, task status). Default: today."),
    ] = None,
    as_of: AsOfOption = None,
    boundaries: Annotated[
        BoundariesChoice,
        typer.Option(help="current: today's 34 provinces; as_reported: those of the period."),
    ] = BoundariesChoice.CURRENT,
    benchmark: Annotated[
        bool | None,
        typer.Option(
            "--benchmark/--no-benchmark",
            help="Add (or leave out) the publishing benchmark annex. Default: the ministry's "
            "report has it, a province's does not.",
        ),
    ] = None,
    issue: Annotated[
        bool,
        typer.Option(
            "--issue",
            help="Issue the report as adopted: also the deck (PPTX, PDF), PDFs as PDF/A, and an "
            "edition recorded with the as-of instant, the facts and every file's SHA-256 "
            "(chitieu editions).",
        ),
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "vi",
) -> None:
    """Write the review report of a period (báo cáo sơ kết / tổng kết) in each format.

    Example: `chitieu report --period 2023S1 --format docx,pdf,html,md --out out`.
    """
    names = fmt.split(",") if fmt is not None else default_names()  # the registry's defaults
    formats = tuple(f.strip().lower() for f in names if f.strip())
    if formats_need_workers(list(formats)):  # workers start while the facts are computed
        from chitieu.report import workers

        workers.start()
    from chitieu.report import build_report

    warnings: list[ChitieuError] = []
    when = as_of_of(as_of)
    from chitieu.cli.editions_cmds import issue_report

    written = (issue_report if issue else build_report)(
        open_store(db),
        period,
        unit=unit,
        lang=lang,
        formats=formats,
        out_dir=out,
        templates=templates,
        as_of=when,
        boundaries=boundaries.value,
        report_date=_date(report_date, "--date"),
        on_warning=warnings.append,
        benchmark=benchmark,
    )
    if as_json:
        files = {k: str(v) for k, v in written.items()}
        said = [dict(zip(("warning", "hint"), w.text(lang), strict=True)) for w in warnings]
        print_json({"ok": True, "period": period, "files": files, "warnings": said})
        return
    for w in warnings:
        message, hint = w.text(lang)
        err_console.print(f"[yellow]{say('cli-warning', lang)}:[/] {safe(message)} ({safe(hint)})")
    console.print(f"{say('cli-report-written', lang)} ({safe(period)}):")
    for k, v in written.items():
        console.print(f"  {k:5} {v}")


tasks_app = typer.Typer(
    help="Key tasks (nhiệm vụ trọng tâm): import, list, update.", no_args_is_help=True
)


@tasks_app.command("import")
@handle_errors
def tasks_import(
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8) or XLSX with a header row.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check only; write nothing.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "vi",
) -> None:
    """Import key tasks: columns period, title, lead_unit, deadline [, code, unit, sector,
    status, progress, source] (Vietnamese headers accepted: Kỳ, Nhiệm vụ, Đơn vị chủ trì, Thời
    hạn, Đơn vị…). ``unit`` is the reporting unit whose task it is (a province's id, code or
    name for the row's period; empty: the ministry's own, VN).

    A row with a known code updates that task. All problems are listed at once; nothing is
    written unless the whole file is valid (exit code 1).
    """
    from chitieu.workflow.tasks import KeyTasks

    res = KeyTasks(open_store(db)).import_file(file, by=user(), dry_run=dry_run)
    if as_json:
        print_json({"ok": True, "dry_run": dry_run, **res})
        return
    what = say("cli-tasks-checked", lang) if dry_run else say("cli-tasks-counts", lang, **res)
    console.print(say("cli-tasks-imported", lang, file=safe(file), rows=res["rows"], what=what))


@tasks_app.command("list")
@handle_errors
def tasks_list(
    period: Annotated[
        str | None, typer.Option("--period", "-p", help="Only tasks due in this period.")
    ] = None,
    on: Annotated[
        str | None, typer.Option("--date", help="Status as of this date. Default: today.")
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option(
            "--unit", "-u", help="Only this unit's tasks (VN: the ministry's; a province)."
        ),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "vi",
) -> None:
    """List key tasks with their status as of a date (overdue: past the deadline, not done)."""
    from chitieu.catalog.periods import parse_period
    from chitieu.catalog.units import registry
    from chitieu.workflow.tasks import KeyTasks

    when = _date(on, "--date") or date.today()
    uid = None
    if unit is not None:  # named for the period asked about (else for the status date)
        uid = registry().resolve(unit, parse_period(period).end if period else when).id
    tasks = KeyTasks(open_store(db)).list(period, within=True, unit=uid)
    if as_json:
        print_json({"date": when, "unit": uid, "tasks": [t.to_dict(when) for t in tasks]})
        return
    t = Table(
        title=say("cli-tasks-title", lang, n=len(tasks), when=when.isoformat()), show_lines=True
    )
    for col in ("id", "code", "period", "unit", "task", "lead unit", "deadline", "status",
                "progress"):  # fmt: skip
        t.add_column(col, overflow="fold")
    for x in tasks:
        st = x.status_on(when)
        t.add_row(
            str(x.id),
            safe(x.code),
            x.period,
            x.unit,
            safe(x.title),
            safe(x.lead_unit),
            x.deadline.isoformat(),
            STATUS_VI[st] if lang == "vi" else st.replace("_", " "),
            x.progress or "",
        )
    console.print(t)


@tasks_app.command("update")
@handle_errors
def tasks_update(
    ref: Annotated[str, typer.Argument(help="Task id or code.")],
    status: Annotated[
        str | None, typer.Option("--status", help="not_started, in_progress or done.")
    ] = None,
    progress: Annotated[str | None, typer.Option("--progress", help="Progress note.")] = None,
    completed_on: Annotated[
        str | None,
        typer.Option("--completed-on", help="Date the task was done (with --status done)."),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a task's status or progress note (kept with who and when)."""
    from chitieu.workflow.tasks import KeyTasks

    if status is None and progress is None and completed_on is None:
        raise typer.BadParameter("give --status, --progress or --completed-on")
    t = KeyTasks(open_store(db)).update(
        ref,
        by=user(),
        status=status,
        progress=progress,
        completed_on=_date(completed_on, "--completed-on"),
    )
    if as_json:
        print_json({"ok": True, "task": t.to_dict()})
        return
    done = f" ({t.completed_on})" if t.completed_on else ""
    console.print(f"{safe(t.code)}: {t.status}{done}")


def register(app: typer.Typer) -> None:
    """Add these commands to the app."""
    app.command("report")(report_cmd)
    app.add_typer(tasks_app, name="tasks")
