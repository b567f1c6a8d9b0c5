"""CLI: the whole store — `backup`, `restore` and `check-store`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from chitieu.cli.common import (
    EXIT_INVALID,
    DbOption,
    JsonOption,
    LangOption,
    console,
    err_console,
    handle_errors,
    print_json,
    say,
)

if TYPE_CHECKING:
    from chitieu.store.integrity import Health

# The core modules are imported inside the commands, so that `chitieu --help` starts fast.

#: phases with more rows than this get a progress bar (the integrity check always has one)
PROGRESS_FROM = 20_000
#: the phases with a progress bar: each one's label is the text ``cli-progress-<phase>``
PHASES = ("backup", "restore", "slabs")
#: the checks of check-store, each one's name the text ``cli-check-<name>`` (cli.yaml)
CHECKS = ("file", "revision", "references", "batches", "slabs", "since")


@contextmanager
def _progress(enabled: bool, lang: str) -> Iterator[Any]:
    """A rich progress bar (on stderr) fed by the core's (phase, advance, total) callback."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        console=err_console, transient=True,
    ) as bar:  # fmt: skip
        tasks: dict[str, Any] = {}

        def update(phase: str, advance: int, total: int) -> None:
            if total < PROGRESS_FROM and phase != "slabs":
                return
            if phase not in tasks:
                label = say(f"cli-progress-{phase}", lang) if phase in PHASES else phase
                tasks[phase] = bar.add_task(label, total=total)
            bar.advance(tasks[phase], advance)

        yield update


def _dotted(n: int) -> str:
    """A count with dots between thousands (4.631), as Vietnamese writes it."""
    return f"{n:,}".replace(",", ".")


def _rows(tables: dict[str, int]) -> str:
    return f"{_dotted(sum(tables.values()))} rows in {len(tables)} tables"


@handle_errors
def backup_cmd(
    file: Annotated[
        Path, typer.Argument(help="The backup file to write (e.g. chitieu-2026-12-01.zip).")
    ],
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite", help="Replace FILE if it exists (once the new one is complete)."
        ),
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "vi",
) -> None:
    """Sao lưu toàn bộ kho vào một tệp / back up the whole store into one file.

    Every table (values and their vintages, batches, audit events, reports, accounts, tokens,
    sessions, analytics) with the schema revision, read in one consistent snapshot while
    writers keep working. The file (a ZIP of JSON lines) can be restored into SQLite or
    PostgreSQL: `chitieu restore FILE`. It holds password and token hashes: keep it safe.
    With CHITIEU_BACKUP_KEY set (16 characters or more), the backup is signed (HMAC-SHA256 of
    its manifest, which holds every table's checksum) and `restore` verifies it.
    """
    from chitieu.store.backup import backup

    with _progress(not as_json, lang) as progress:
        info = backup(db, file, overwrite=overwrite, progress=progress)
    if as_json:
        print_json({"ok": True, **info.to_dict()})
        return
    signed = (
        say("cli-backup-signed", lang, key=info.key_id)
        if info.signed
        else say("cli-backup-unsigned", lang)
    )
    console.print(
        f"{say('cli-backed-up', lang)} [bold]{info.backend}[/] (revision {info.revision}) → "
        f"[bold]{info.file}[/]: {_rows(info.tables)}, {_dotted(info.size)} bytes; {signed}.",
        highlight=False,
    )


@handle_errors
def restore_cmd(
    file: Annotated[Path, typer.Argument(help="A file made by `chitieu backup`.")],
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            "--replace",
            help="Restore into a store that holds data: everything in it is DELETED and "
            "replaced by the backup.",
        ),
    ] = False,
    accept_unsigned: Annotated[
        bool,
        typer.Option(
            "--accept-unsigned",
            help="With CHITIEU_BACKUP_KEY set: restore a backup that has no signature (one "
            "made before the key was set). A signature that does not match is always refused.",
        ),
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "vi",
) -> None:
    """Khôi phục kho từ bản sao lưu / restore the store from a backup.

    Into an empty store (created if needed); a store that holds data is refused (exit 1,
    naming what it holds) unless `--force`. All or nothing: one transaction. A backup of an
    older schema is migrated; one made by a newer chitieu is refused. Works across backends
    (a SQLite backup into PostgreSQL and back). A running `chitieu serve` answers from the
    restored data at its next request.

    With CHITIEU_BACKUP_KEY set, the backup's signature is verified first: an altered,
    forged or otherwise-signed backup is refused (exit 2), an unsigned one too (exit 1) unless
    `--accept-unsigned`. A backup that leaves out tables, has a line over
    CHITIEU_BACKUP_LINE_MB (64) or a manifest that is not valid: damaged (exit 2), nothing
    changed.
    """
    from chitieu.store.restore import restore

    with _progress(not as_json, lang) as progress:
        info = restore(db, file, replace=force, accept_unsigned=accept_unsigned, progress=progress)
    if as_json:
        print_json({"ok": True, **info.to_dict()})
        return
    b = info.backup
    console.print(
        f"{say('cli-restored', lang)} [bold]{info.file}[/] ({b.backend}, revision {b.revision}, "
        f"{b.created_at}) → [bold]{info.db}[/]: {_rows(b.tables)}; "
        f"schema revision {info.revision}.",
        highlight=False,
    )
    if any(info.replaced.values()):
        console.print(f"{say('cli-replaced', lang)}: {_rows(info.replaced)}.", highlight=False)
    console.print(say(f"cli-signature-{info.signature}", lang, key=b.key_id), highlight=False)


@handle_errors
def check_store_cmd(
    sample: Annotated[
        int | None,
        typer.Option(
            "--sample",
            min=1,
            help="Compare N random indicator-years of the current values with the vintages "
            "(and SQLite's quick_check) instead of all of them: faster on a big store.",
        ),
    ] = None,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="First rebuild table slab_since (when each indicator-year's first vintage "
            "was recorded) from the vintages, then check.",
        ),
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "vi",
) -> None:
    """Kiểm tra tính toàn vẹn của kho / check the store's integrity.

    SQLite's integrity_check; the schema revision; that no row points at a missing row
    (values and their batches, report and task events, tokens and accounts); that current
    values name existing batches and equal a rebuild from the vintages; that no slab's first
    time (slab_since) is later than its first vintage (--repair rebuilds it). Rows per table.
    Exit 0 healthy, 1 problems found (each named), 4 the database cannot be opened or is
    damaged.
    """
    from chitieu.store.integrity import check_store, repair_since

    if repair:
        repair_since(db)
        if not as_json:
            console.print(say("cli-since-rebuilt", lang), highlight=False)
    with _progress(not as_json, lang) as progress:
        health = check_store(db, sample=sample, progress=progress)
    if as_json:
        print_json(_health_json(health))
    else:
        _print_health(health, lang if lang in ("vi", "en") else "vi")
    if not health.ok:
        raise typer.Exit(EXIT_INVALID)


def _worded(code: str, params: dict[str, Any]) -> dict[str, dict[str, str]]:
    from chitieu.catalog.messages import error_text

    texts = {lang: error_text(code, params, lang) for lang in ("vi", "en")}
    return {
        "message": {lang: t[0] for lang, t in texts.items()},
        "hint": {lang: t[1] for lang, t in texts.items()},
    }


def _health_json(h: Health) -> dict[str, Any]:
    checks = [
        {
            "check": c.name,
            "ok": c.ok,
            "checked": c.checked,
            "skipped": c.skipped,
            "problems": [
                {"code": p.code, "params": p.params, **_worded(p.code, p.params)}
                for p in c.problems
            ],
        }
        for c in h.checks
    ]
    return {
        "ok": h.ok,
        "db": h.db,
        "backend": h.backend,
        "revision": h.revision,
        "expected_revision": h.expected,
        "tables": h.tables,
        "checks": checks,
    }


def _print_health(h: Health, lang: str) -> None:
    from rich.table import Table

    t = Table(title=f"{h.db} ({h.backend}, revision {h.revision})", show_lines=True)
    for col in ("cli-col-check", "cli-col-result", "cli-col-details"):
        t.add_column(say(col, lang), overflow="fold")
    for c in h.checks:
        if c.skipped:
            result, detail = "[dim]—[/]", f"{say('cli-check-skipped', lang)} ({c.skipped})"
        elif c.ok:
            result, detail = "[green]OK[/]", say("cli-check-looked-at", lang, n=c.checked)
        else:
            result = f"[red]{say('cli-problems', lang, n=len(c.problems))}[/]"
            lines = []
            for p in c.problems:
                worded = _worded(p.code, p.params)
                lines.append(f"{worded['message'][lang]}\n  → {worded['hint'][lang]}")
            detail = "\n".join(lines)
        name = say(f"cli-check-{c.name}", lang) if c.name in CHECKS else c.name
        t.add_row(name, result, detail)
    console.print(t)
    rows = Table(title=say("cli-rows-title", lang))
    rows.add_column(say("cli-col-table", lang))
    rows.add_column(say("cli-col-rows", lang), justify="right")
    for name, n in h.tables.items():
        rows.add_row(name, f"{n:,}".replace(",", "."))
    console.print(rows)
    if h.ok:
        console.print(f"[green]{say('cli-store-healthy', lang)}[/]")
    else:
        n = sum(len(c.problems) for c in h.checks)
        err_console.print(f"[red]{say('cli-problems-found', lang, n=n)}[/]")


def register(app: typer.Typer) -> None:
    """Add these commands to the app."""
    app.command("backup")(backup_cmd)
    app.command("restore")(restore_cmd)
    app.command("check-store")(check_store_cmd)
