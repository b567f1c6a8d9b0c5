"""CLI: editions of the review as adopted (`editions list | show`, and `report --issue`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from chitieu.catalog.instants import iso, show
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
    user,
)
from chitieu.errors import ChitieuError

editions_app = typer.Typer(
    help="Editions of the review as adopted (bản phát hành): list, show, reproduce.",
    invoke_without_command=True,
)


def _records(db: str | None) -> tuple[Any, Any]:
    from chitieu.store.editions import EditionRecords

    store = open_store(db)
    return store, EditionRecords(store)


def issue_report(
    store: Any,
    period: str,
    *,
    unit: str,
    lang: str,
    formats: tuple[str, ...],
    out_dir: Path,
    templates: Path | None,
    as_of: datetime | None,
    boundaries: str,
    report_date: date | None,
    on_warning: Callable[[ChitieuError], None],
    benchmark: bool | None,
) -> dict[str, Path]:
    """`report --issue` (build_report's options): write and record an edition; format → file,
    as `report` prints them. The edition's number goes to stderr (stdout keeps `report`'s)."""
    from chitieu.report.editions import Request, issue_edition
    from chitieu.store.editions import EditionRecords

    req = Request(
        period,
        unit,
        lang,
        tuple(formats),
        boundaries,
        report_date,
        benchmark,
        templates=str(templates) if templates else None,
    )
    done = issue_edition(
        store, EditionRecords(store), req, out_dir, as_of, by=user(), on_warning=on_warning
    )
    from chitieu.cli.common import err_console

    corrects = say("cli-edition-corrects", lang, previous=done.previous) if done.previous else ""
    err_console.print(
        say("cli-edition-issued", lang, number=done.number, corrects=corrects,
            files=len(done.described), changed=len(done.changes), when=iso(done.as_of))
    )  # fmt: skip
    return done.files


def _row(e: Any) -> dict[str, Any]:
    return {
        "number": e.id,
        "period": e.period,
        "unit": e.unit,
        "lang": e.lang,
        "as_of": iso(e.as_of),
        "issued_at": iso(e.issued_at),
        "issued_by": e.issued_by,
        "corrects": e.previous_id,
        "changes": e.changes,
        "facts_sha256": e.facts_sha256,
        "files": e.files,
        "options": e.options,
    }


@editions_app.callback()
def editions_default(
    ctx: typer.Context,
    period: Annotated[str | None, typer.Option("--period", "-p", help="Only this period.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "vi",
) -> None:
    """Without a command: the list (`chitieu editions [--json]`)."""
    if ctx.invoked_subcommand is None:
        editions_list(period=period, db=db, as_json=as_json, lang=lang)


@editions_app.command("list")
@handle_errors
def editions_list(
    period: Annotated[str | None, typer.Option("--period", "-p", help="Only this period.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "vi",
) -> None:
    """List the editions issued (`chitieu report --issue`), oldest first."""
    _store, records = _records(db)
    found = records.list(period)
    if as_json:
        print_json({"editions": [_row(e) for e in found]})
        return
    t = Table(title=say("cli-editions-title", lang, n=len(found)))
    for col in ("no.", "period", "unit", "lang", "as of", "issued", "by", "corrects", "changed"):
        t.add_column(col, overflow="fold")
    for e in found:
        t.add_row(
            str(e.id),
            e.period,
            e.unit,
            e.lang,
            show(e.as_of, lang),
            show(e.issued_at, lang),
            safe(e.issued_by),
            str(e.previous_id or ""),
            str(len(e.changes)),
        )
    console.print(t)


def _print_edition(e: Any, lang: str) -> None:
    corrects = say("cli-edition-corrects", lang, previous=e.previous_id) if e.previous_id else ""
    console.print(say("cli-edition-heading", lang, number=e.id, period=e.period, unit=e.unit,
                      lang=e.lang, corrects=corrects))  # fmt: skip
    console.print(
        f"  as of {show(e.as_of, lang)}; issued {show(e.issued_at, lang)} by {safe(e.issued_by)}"
    )
    for c in e.changes:
        console.print(
            f"  changed {c['indicator']} {c['unit']} {c['period']} {c['field']}: "
            f"{c['before']} → {c['after']}"
        )
    for f in e.files:
        console.print(f"  {f['sha256'][:16]}  {f['bytes']:>9}  {safe(f['name'])}")


@editions_app.command("show")
@handle_errors
def editions_show(
    number: Annotated[int, typer.Argument(help="The edition's number (chitieu editions list).")],
    reproduce: Annotated[
        bool,
        typer.Option(
            "--reproduce",
            help="Make the edition's files again (its as-of instant, its options) into --out "
            "and check each against its SHA-256 (exit 1 if any differs).",
        ),
    ] = False,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for --reproduce.")] = Path("out"),
    db: DbOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "vi",
) -> None:
    """Show an edition: its instant, files and SHA-256, what it corrected; or reproduce it."""
    from chitieu.report.editions import find_edition, reproduce_edition

    store, records = _records(db)
    e = find_edition(records, number)
    if not reproduce:
        if as_json:
            print_json(_row(e))
        else:
            _print_edition(e, lang)
        return
    done = reproduce_edition(store, records, number, out)
    if as_json:
        print_json(
            {
                "number": number,
                "same": done.same,
                "files": done.files,
                "facts": done.facts,
                "out": str(out),
            }
        )
    else:
        for f in done.files:
            console.print(f"  {f['status']:12} {safe(f['name'])}")
        for c in done.facts:
            console.print(
                f"  fact {c['indicator']} {c['unit']} {c['field']}: {c['before']} → {c['after']}"
            )
        verdict = say("cli-edition-same" if done.same else "cli-edition-differs", lang)
        console.print(say("cli-edition-reproduced", lang, number=number, out=out, verdict=verdict))
    if not done.same:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add these commands to the app."""
    app.add_typer(editions_app, name="editions")
