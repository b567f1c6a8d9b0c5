"""CLI: exchange with other systems and analysts (``chitieu export``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from chitieu.cli.common import (
    DbOption,
    JsonOption,
    LangOption,
    err_console,
    handle_errors,
    open_store,
    print_json,
    say,
)

EXPORT_HELP = """Export values for other systems and analysts.

Formats: `dhis2-json`, `dhis2-csv`, `adx` (DHIS2 data value sets; ids by code, or `--id-scheme
UID` through a `--mapping` file), `sdmx-csv` (SDMX-CSV 2.0), `sdmx-ml` (SDMX-ML 3.0) — the
current observations; `parquet`, `csv`, `xlsx` — observations (current, `--vintages all`, or
`--as-of` a time) or, with `--what facts`, the fact table of each `--period` with its coverage.

Text formats go to standard output when `--out` is left out. A value DHIS2 cannot take (a
cumulative period such as 2023YTD09) is left out of `dhis2-json`/`dhis2-csv` with a warning
that names it (`adx` writes it as `2023-01-01/P9M`).

Exit codes: 0 written; 2 usage error (format, period, unit, scheme, mapping file); 4 the
database cannot be opened. Examples:

    chitieu export --format parquet --out obs.parquet
    chitieu export --format dhis2-json --period 2023S1 --unit VN
    chitieu export --format sdmx-ml --period 2023S1 --out h1.xml
    chitieu export --format xlsx --what facts --period 2023S1 --out facts.xlsx
"""


def _units(codes: list[str] | None) -> list[str] | None:
    """Unit ids of what was typed: an id, ``VN``, a province code (of both systems), a name."""
    if not codes:
        return None
    from chitieu.catalog.units import registry
    from chitieu.clock import today

    reg = registry()
    out: list[str] = []
    for text in codes:
        same = [u.id for u in reg.all() if u.code == text.strip().zfill(2)]
        if text.strip().isdigit() and same:
            out += same
        else:
            out.append(reg.resolve(text, today()).id if "@" not in text else reg.get(text).id)
    return out


def _periods(ids: list[str] | None) -> list[str] | None:
    if not ids:
        return None
    from chitieu.catalog.periods import parse_period
    from chitieu.errors import PeriodError

    out = []
    for p in ids:
        try:
            out.append(parse_period(p).id)
        except (ValueError, PeriodError):
            raise PeriodError(
                f"unknown period '{p}'", "e.g. 2023, 2023S1, 2023Q2, 202306, 2023YTD09"
            ) from None
    return out


def _mapping(path: Path | None) -> Any:
    from chitieu.collect.layouts.dhis2_ids import Mapping, MappingError
    from chitieu.interop.export import ExportError

    try:
        return Mapping.load(path)
    except (OSError, MappingError) as exc:
        raise ExportError(code="export-mapping", file=str(path), problem=str(exc)) from None


@handle_errors
def export_cmd(
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="dhis2-json, dhis2-csv, adx, sdmx-csv, sdmx-ml, parquet, csv or xlsx.",
        ),
    ],
    what: Annotated[str, typer.Option("--what", help="observations or facts.")] = "observations",
    period: Annotated[
        list[str] | None, typer.Option("--period", help="Period id (repeat).")
    ] = None,
    unit: Annotated[
        list[str] | None, typer.Option("--unit", help="Unit id or code (repeat).")
    ] = None,
    indicator: Annotated[
        list[str] | None, typer.Option("--indicator", help="Indicator code (repeat).")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="As the store stood at this time (ISO date or date-time)."),
    ] = None,
    vintages: Annotated[str, typer.Option("--vintages", help="current or all.")] = "current",
    id_scheme: Annotated[str, typer.Option("--id-scheme", help="CODE, UID or NAME.")] = "CODE",
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="DHIS2 ids ↔ chitieu codes (YAML or JSON).")
    ] = None,
    data_set: Annotated[
        str | None, typer.Option("--data-set", help="DHIS2 dataSet to name.")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="File to write (default: standard output, text formats)."),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "vi",
) -> None:
    from chitieu.catalog.instants import maybe_instant
    from chitieu.interop.export import TEXT_FORMATS, ExportError, ExportRequest, export
    from chitieu.store.exchange import Selection

    if vintages not in ("current", "all"):
        raise typer.BadParameter("use current or all", param_hint="--vintages")
    if what not in ("observations", "facts"):
        raise typer.BadParameter("use observations or facts", param_hint="--what")
    sel = Selection(_periods(period), indicator or None, _units(unit))
    req = ExportRequest(
        fmt,
        what,
        sel,
        vintages,
        maybe_instant(as_of),
        id_scheme.upper(),
        _mapping(mapping),
        data_set,
        lang,
    )
    req.check()
    if out is None and fmt not in TEXT_FORMATS:
        raise ExportError(code="export-binary-stdout", fmt=fmt)
    store = open_store(db)
    res = export(store, req, out if out is not None else sys.stdout.buffer)
    if as_json:
        print_json({"format": fmt, "out": str(out) if out else None, **res.to_dict()})
        return
    for w in res.warnings:
        err_console.print(
            f"[yellow]{say('cli-values-left-out', lang, n=w['values'], rule=w['code'])}: "
            f"{', '.join(w['names'][:10])}[/]"
        )
    if out is not None:
        err_console.print(f"{res.rows} rows → {out}")


def register(app: typer.Typer) -> None:
    """Add these commands to the app."""
    app.command("export", help=EXPORT_HELP)(export_cmd)


def import_dhis2_file(
    file: Path,
    fmt: str,
    dry_run: bool,
    override: str | None,
    mapping: Path | None,
    id_scheme: str | None,
    strategy: str | None,
    db: str | None,
    as_json: bool,
    lang: str,
) -> None:
    """``chitieu import`` of a DHIS2 data value set: DHIS2's import summary as a table (or
    ``--json``: the summary, chitieu's result under ``chitieu``); exit 1 when anything was
    rejected (nothing written, the import being atomic)."""
    from chitieu.cli.common import EXIT_INVALID, console, safe, user
    from chitieu.collect.layouts.dhis2_import import FORMATS
    from chitieu.collect.layouts.dhis2_write import import_dhis2
    from chitieu.errors import InputFileError

    if fmt not in FORMATS:
        raise typer.BadParameter(f"use {', '.join(FORMATS)}", param_hint="--format")
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read {file}: {exc.strerror}", "check the path") from None
    query = {"dryRun": dry_run, "idScheme": id_scheme, "importStrategy": strategy}
    from chitieu.cli.common import existing_store

    # a dry run creates no database: against none, every value would be imported
    store = (existing_store(db) or open_store("sqlite://")) if dry_run else open_store(db)
    res = import_dhis2(
        store,
        raw,
        fmt,
        query=query,
        mapping=_mapping(mapping),
        actor=user(),
        source="import",
        filename=file.name,
        override=override,
    )
    summary = res.summary(lang)
    if as_json:
        print_json(summary)
    else:
        _print_summary(summary, lang, console, safe)
    if res.conflicts:
        raise typer.Exit(EXIT_INVALID)


def _print_summary(summary: dict[str, Any], lang: str, console: Any, safe: Any) -> None:
    from rich.table import Table

    r = summary["response"]
    c = r["importCount"]
    console.print(
        f"{r['status']}: imported {c['imported']}, updated {c['updated']}, "
        f"ignored {c['ignored']}, deleted {c['deleted']}"
        + (" (dry run: nothing written)" if r["importOptions"]["dryRun"] else "")
    )
    if not r["conflicts"]:
        return
    t = Table(title="conflicts", show_lines=True)
    for col in ("errorCode", "indexes", "object", "problem", "fix"):
        t.add_column(col, overflow="fold")
    for x in r["conflicts"]:
        ch = x["chitieu"]
        t.add_row(
            x["errorCode"],
            ", ".join(map(str, x["indexes"])),
            safe(x["object"]),
            safe(ch["message"].get(lang, x["value"])),
            safe(ch["hint"].get(lang, "")),
        )
    err_console.print(t)
