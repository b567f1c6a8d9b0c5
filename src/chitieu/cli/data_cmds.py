"""CLI: loading data (demo, import) and reviewing it (summary)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from chitieu.catalog.units import NATION_ID
from chitieu.cli.common import (
    EXIT_INVALID,
    AsOfOption,
    BoundariesChoice,
    DbOption,
    JsonOption,
    LangOption,
    as_of_of,
    console,
    err_console,
    existing_store,
    handle_errors,
    open_store,
    print_json,
    safe,
    say,
    user,
)

# The core modules are imported inside the commands, so that `chitieu --help` starts fast.

#: files with more rows than this get a progress bar
PROGRESS_FROM = 20_000


@contextmanager
def _progress(enabled: bool, lang: str) -> Iterator[Any]:
    """A rich progress bar fed by the core's (phase, advance, total) callback."""
    if not enabled:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    labels = {"check": say("cli-progress-check", lang), "write": say("cli-progress-write", lang)}
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeRemainingColumn(), console=err_console, transient=True,
    ) as bar:  # fmt: skip
        tasks: dict[str, Any] = {}

        def update(phase: str, advance: int, total: int) -> None:
            if total < PROGRESS_FROM:
                return
            if phase not in tasks:
                tasks[phase] = bar.add_task(labels.get(phase, phase), total=total)
            bar.advance(tasks[phase], advance)

        yield update


@handle_errors
def demo_cmd(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Load the demo data: the H1/2023 review of the source document, provinces, publishing."""
    from chitieu.demo.build import load_demo

    store = open_store(db)
    res = load_demo(store, created_by=user())
    if as_json:
        print_json({"ok": True, "db": store.url, **res.__dict__})
        return
    counts = {"national": res.national, "provincial": res.provincial}
    loaded = say("cli-demo-loaded", **counts, publishing=res.publishing)
    console.print(f"{loaded} → [bold]{safe(store.url)}[/]")
    console.print(say("cli-next", command="chitieu summary --period 2023S1"))


@handle_errors
def import_cmd(
    file: Annotated[
        Path,
        typer.Argument(help="CSV (UTF-8) or XLSX file: a long table or an official form's sheets."),
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check only; write nothing.")] = False,
    locale: Annotated[
        str | None,
        typer.Option(
            "--locale",
            help="Number format of the file: vi (1.614.206,5) or en (1,614,206.5). "
            "Needed only when the file's numbers are ambiguous.",
        ),
    ] = None,
    sheet: Annotated[str | None, typer.Option("--sheet", help="Sheet of an XLSX file.")] = None,
    form: Annotated[
        str | None,
        typer.Option("--form", help="The official form of the file's sheets (`chitieu forms`)."),
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option("--unit", help="The reporting unit, where a form's sheet does not say it."),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option("--period", help="The period, where a form's title does not say it."),
    ] = None,
    override_lock: Annotated[
        str | None,
        typer.Option(
            "--override-lock",
            metavar="REASON",
            help="Write values of submitted or approved reports anyway (an analyst's decision); "
            "the reason is recorded in each report's audit trail.",
        ),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "vi",
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="dhis2-json, dhis2-csv or adx (default: by content)."),
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="DHIS2 ids ↔ chitieu codes (YAML/JSON).")
    ] = None,
    id_scheme: Annotated[
        str | None, typer.Option("--id-scheme", help="DHIS2 ids: CODE (default), UID, NAME.")
    ] = None,
    strategy: Annotated[
        str | None,
        typer.Option("--import-strategy", help="CREATE_AND_UPDATE, CREATE, UPDATE, DELETE."),
    ] = None,
) -> None:
    """Import values from a long table (`indicator,unit,period,value,kind[,comment]`), an
    official form's sheets (`Biểu số …`; `chitieu forms` lists them), or a DHIS2 data value set
    (JSON, CSV, ADX; `--json` prints DHIS2's import summary, chitieu's result under
    `chitieu`), recognised by itself.

    Every error of the file is reported in one pass (sheet and cell, value, reason, fix);
    nothing is written unless the whole file is valid. An official form's file replaces that
    form's round for its unit and period (values it no longer gives are deleted; the same
    file again adds nothing). Values of reports that are submitted or approved are locked
    (`--override-lock REASON` to write them anyway, recorded). `--json`: `counts`
    (imported, updated, ignored, deleted), `findings` (each with sheet and cell), `values`.
    Exit code 1 when anything blocks the write, 2 for an unreadable file or a bad option.
    """
    from chitieu.collect.importer import import_file
    from chitieu.collect.layouts.dhis2_import import sniff

    dhis2 = fmt or (sniff(_head(file)) if file.is_file() else None)
    if dhis2 is not None:
        from chitieu.cli.exchange_cmds import import_dhis2_file

        import_dhis2_file(file, dhis2, dry_run, override_lock, mapping, id_scheme, strategy,
                          db, as_json, lang)  # fmt: skip
        return
    if locale not in (None, "vi", "en"):
        raise typer.BadParameter("use vi or en", param_hint="--locale")
    if override_lock is not None and not override_lock.strip():
        raise typer.BadParameter("say why the lock is overridden", param_hint="--override-lock")
    store = existing_store(db) if dry_run else open_store(db)
    with _progress(not as_json, lang) as progress:
        res = import_file(
            file,
            store,
            created_by=user(),
            dry_run=dry_run,
            locale=locale,  # type: ignore[arg-type]
            sheet=sheet,
            progress=progress,
            override=override_lock.strip() if override_lock else None,
            form=form,
            unit=unit,
            period=period,
        )
    rep = res.report
    if as_json:
        print_json(res.to_dict())
    else:
        _print_findings(rep, lang)
        if rep.valid and dry_run:
            _print_values(res, lang)
        if rep.valid:
            what = (
                say("cli-checked-nothing-written", lang)
                if dry_run
                else (
                    say(
                        "cli-written-batch",
                        lang,
                        n=res.written,
                        batch=res.batch.id if res.batch else "-",
                    )
                    + (
                        "; " + say("cli-ignored-identical", lang, n=res.ignored)
                        if res.ignored
                        else ""
                    )
                )
            )
            console.print(f"[green]{safe(res.file)}[/]: {rep.stats.get('rows', 0)} rows — {what}")
            if res.counts:
                c = res.counts
                kinds = ("imported", "updated", "ignored", "deleted")
                console.print(say("cli-import-counts", lang, **{k: c.get(k, 0) for k in kinds}))
        else:
            failed = say("cli-import-failed", lang, file=safe(res.file), errors=rep.errors)
            err_console.print(f"[red]{failed}[/] {say('cli-fix-and-import-again', lang)}")
    if not rep.valid:
        raise typer.Exit(EXIT_INVALID)


def _head(path: Path, size: int = 4096) -> bytes:
    """A file's first bytes (to tell a DHIS2 payload by its content)."""
    with path.open("rb") as fh:
        return fh.read(size)


#: values a dry run lists in the terminal (``--json`` lists them all)
VALUES_PRINTED = 200


def _print_values(res: Any, lang: str) -> None:
    """What a dry run would store, as a table."""
    from rich.table import Table

    listed = res.listed(VALUES_PRINTED)
    t = Table(title=say("cli-would-be-stored", lang), show_lines=False)
    for col in ("indicator", "unit", "period", "kind", "value"):
        t.add_column(col, justify="right" if col == "value" else "left")
    for v in listed:
        shown = say("cli-deleted", lang) if v.value is None else f"{v.value:g}"
        t.add_row(v.indicator, v.unit, v.period, str(v.kind), shown)
    console.print(t)
    more = res.total - len(listed)
    if more > 0:
        console.print(f"(… {more} more; --json lists them all)")


def _short(value: object, lang: str, limit: int = 200) -> str:
    """A value as the findings table shows it: at most ``limit`` characters."""
    text = str(value)
    return (
        text
        if len(text) <= limit
        else f"{text[:limit]}… ({say('cli-characters', lang, n=len(text))})"
    )


def _print_findings(rep: Any, lang: str) -> None:
    from rich.table import Table

    if not rep.findings:
        return
    t = Table(
        title=say("cli-findings-title", lang, errors=rep.errors, warnings=rep.warnings),
        show_lines=True,
    )
    for col in ("cell", "row", "column", "value", "problem", "fix"):
        t.add_column(col, overflow="fold")
    for f in rep.findings:
        style = "red" if f.severity == "error" else "yellow"
        t.add_row(
            safe(f.address or ""),
            str(f.row or ""),
            safe(f.column or ""),
            "" if f.value is None else safe(_short(f.value, lang)),
            f"[{style}]{safe(f.message(lang))}[/]",
            safe(f.hint(lang)),
        )
    err_console.print(t)
    if rep.capped:
        err_console.print(f"(showing {len(rep.findings)}; {rep.dropped} more not shown)")


def _summary_facts(facts: list[Any], unit: str, p: Any, boundaries: Any) -> list[Any]:
    """The facts of ``unit`` (all units with 'all') that have something to show."""
    from chitieu.analyze.facts import Boundaries
    from chitieu.catalog.units import registry

    if unit.lower() != "all":
        unit_id = registry().resolve(unit, p.end).id
        if boundaries == Boundaries.CURRENT and unit_id != NATION_ID:
            unit_id = registry().on_boundaries(unit_id, "34")
        facts = [f for f in facts if f.unit == unit_id]
    return [f for f in facts if f.value is not None or f.plan is not None or f.withheld]


@handle_errors
def summary_cmd(
    period: Annotated[str, typer.Option("--period", "-p", help="Period id, e.g. 2023S1.")],
    unit: Annotated[
        str,
        typer.Option("--unit", "-u", help="Unit code or name (VN = nation), or 'all'."),
    ] = NATION_ID,
    boundaries: Annotated[
        BoundariesChoice,
        typer.Option(help="current: today's 34 provinces; as_reported: those of the period."),
    ] = BoundariesChoice.CURRENT,
    indicator: Annotated[
        list[str] | None, typer.Option("--indicator", "-i", help="Only these indicators.")
    ] = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "vi",
) -> None:
    """Review figures of a period: value, same period last year, change, plan, share, rank."""
    from rich.table import Table

    from chitieu.analyze.facts import Boundaries
    from chitieu.analyze.facts import facts as fact_set
    from chitieu.analyze.steps import STEPPED
    from chitieu.catalog.indicators import catalog
    from chitieu.catalog.instants import iso, show
    from chitieu.catalog.periods import parse_period
    from chitieu.fmt import format_number, format_pct, period_label

    boundaries = Boundaries(boundaries.value)  # type: ignore[assignment]
    p = parse_period(period)
    store = open_store(db)
    cat = catalog()
    for code in indicator or []:
        cat.get(code)
    when = as_of_of(as_of)
    facts = _summary_facts(
        list(fact_set(store, p, boundaries, when, indicators=indicator)), unit, p, boundaries
    )
    if as_json:
        print_json(
            {
                "period": p.id,
                "label": period_label(p, lang),
                "unit": unit,
                "boundaries": str(boundaries),
                "as_of": iso(when),
                "facts": [
                    {
                        **f.to_dict(),
                        "name": cat.get(f.indicator).name(lang),
                        "measure": cat.measures[f.measure](lang),
                    }
                    for f in facts
                ],
            }
        )
        return
    if not facts:
        console.print(say("cli-no-figures-period", lang, period=p.id))
        return
    asked = "" if when is None else f" ({say('cli-as-of', lang, when=show(when, lang))})"
    t = Table(title=f"{period_label(p, lang)} — {unit}{asked}")
    cols: tuple[str, ...] = (
        "indicator",
        "unit",
        "value",
        "kind",
        "same period last year",
        "change %",
        "plan",
        "% plan",
        "share %",
        "rank",
        "coverage",
    )
    stepped = p.type in STEPPED  # a month or a quarter: the period before, the year to date
    if stepped:
        cols = (*cols[:-1], "% prior period", "year to date", "YTD change %", cols[-1])
    for col in cols:
        t.add_column(col, justify="left" if col in ("indicator", "unit", "kind") else "right")
    for f in facts:
        ind = cat.get(f.indicator)

        def num(x: float | None, ind: Any = ind) -> str:
            return "" if x is None else format_number(x, ind.decimals, lang)

        def pct(x: float | None, sign: bool = False) -> str:
            return "" if x is None else format_pct(x, 2, lang, sign)

        kind = say("cli-estimate-mark", lang) if f.kind == "estimate" else ""
        more = (
            pct(f.prior_change_pct, True),
            num(f.cumulative),
            pct(f.cumulative_change_pct, True),
        )
        t.add_row(
            ind.name(lang),
            f.unit,
            num(f.value),
            kind,
            num(f.previous),
            pct(f.change_pct, True),
            num(f.plan),
            pct(f.plan_pct),
            pct(f.share_pct),
            f"{f.rank}/{f.rank_of}" if f.rank else "",
            *(more if stepped else ()),
            _coverage_cell(f, lang),
        )
    console.print(t)


def _coverage_cell(f: Any, lang: str) -> str:
    """ "31/34", and what is withheld and why ("change %: …")."""
    from chitieu.analyze.coverage import reason_text

    held = "; ".join(f"{k}: {reason_text(v, lang)}" for k, v in f.withheld.items())
    return " ".join(x for x in (f.coverage_text or "", held) if x)


def register(app: typer.Typer) -> None:
    """Add these commands to the app."""
    app.command("demo")(demo_cmd)
    app.command("import")(import_cmd)
    app.command("summary")(summary_cmd)
