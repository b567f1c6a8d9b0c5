"""CLI: the publishing benchmark against regional and world peers, and its reference data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from chitieu.cli.common import (
    EXIT_INVALID,
    AsOfOption,
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
from chitieu.fmt import format_number

bench_app = typer.Typer(
    help="So sánh quốc tế ngành xuất bản / publishing benchmark against regional and world "
    "peers (composite index, ranks with uncertainty, Viet Nam's gaps).",
    no_args_is_help=True,
)


@bench_app.command("publishing")
@handle_errors
def publishing_cmd(
    year: Annotated[int, typer.Option("--year", "-y", help="Reference year, e.g. 2023.")],
    runs: Annotated[
        int | None,
        typer.Option("--runs", min=1, max=100_000, help="Monte Carlo runs (default 1000)."),
    ] = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "vi",
) -> None:
    """Per country: pillar and index scores, rank with its 5–95% interval, data coverage.

    Viet Nam's figures come from the store (load them with `chitieu demo` or `chitieu
    import`); the peers' from the shipped reference data plus `chitieu benchmark import`.
    Every figure in --json carries its source.
    """
    from chitieu.benchmark.prose import gap_facts, gap_sentences, summary_sentences
    from chitieu.benchmark.run import run_benchmark

    if not 1950 <= year <= 2100:
        raise typer.BadParameter("give a year such as 2023", param_hint="--year")
    result = run_benchmark(open_store(db), year, runs=runs, as_of=as_of_of(as_of))
    if as_json:
        out = result.to_dict()
        out["gaps"] = [g.to_dict() for g in gap_facts(result)]
        out["text"] = {
            lg: summary_sentences(result, lg) + gap_sentences(result, lg) for lg in ("vi", "en")
        }
        print_json(out)
        return
    fw = result.fw
    if not result.scored:
        console.print(say("cli-benchmark-not-enough", lang, year=year))
    t = Table(title=say("cli-benchmark-title", lang, year=year))
    pillars = [
        p for p in fw.pillars if any(c.pillars.get(p.code) is not None for c in result.scored)
    ]
    cols = ["#", "country", "index", "5–95%", *[p.name(lang) for p in pillars], "data"]
    for col in cols:
        t.add_column(col, justify="left" if col == "country" else "right")

    def num(x: float | None) -> str:
        return "–" if x is None else format_number(x, 1, lang)

    for c in result.countries:
        t.add_row(
            str(c.rank or "–"),
            fw.countries[c.iso3](lang),
            num(c.index),
            f"{c.rank_p5}–{c.rank_p95}" if c.scored else "–",
            *[num(c.pillars.get(p.code)) for p in pillars],
            f"{c.available}/{c.of}" + (f" (+{len(c.imputed)})" if c.imputed else ""),
        )
    console.print(t)
    for s in summary_sentences(result, lang) + gap_sentences(result, lang):
        console.print(f"• {s}", highlight=False)


@bench_app.command("import")
@handle_errors
def import_cmd(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV (UTF-8) or XLSX with columns country_iso3, year, indicator, value, "
            "unit, source_title, source_url_or_ref [, country_name, scope_note, retrieved_via]."
        ),
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check only; write nothing.")] = False,
    sheet: Annotated[str | None, typer.Option("--sheet", help="Sheet of an XLSX file.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "vi",
) -> None:
    """Import newer reference figures of peer countries (every figure with its source).

    All errors of the file are reported in one pass; nothing is written unless the whole
    file is valid (exit code 1 when it is not). Imported rows override the shipped ones.
    """
    from chitieu.benchmark.reference import import_reference
    from chitieu.cli.data_cmds import _print_findings

    store = None if dry_run else open_store(db)
    res = import_reference(file, store, created_by=user(), dry_run=dry_run, sheet=sheet)
    rep = res.report
    if as_json:
        out = rep.to_dict()
        out.update(file=res.file, dry_run=dry_run, written=res.written, batch=res.batch)
        print_json(out)
    else:
        _print_findings(rep, lang)
        if rep.valid:
            what = (
                say("cli-checked-nothing-written", lang)
                if dry_run
                else say("cli-written-batch", lang, n=res.written, batch=res.batch)
            )
            console.print(f"[green]{safe(res.file)}[/]: {rep.stats.get('rows', 0)} rows — {what}")
        else:
            failed = say("cli-import-failed", lang, file=safe(res.file), errors=rep.errors)
            err_console.print(f"[red]{failed}[/] {say('cli-fix-and-import-again', lang)}")
    if not rep.valid:
        raise typer.Exit(EXIT_INVALID)


def register(app: typer.Typer) -> None:
    """Add the `benchmark` command group to the app."""
    app.add_typer(bench_app, name="benchmark")
