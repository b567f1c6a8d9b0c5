"""CLI: data quality — validate, completeness, estimate, revisions."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from chitieu.catalog.indicators import catalog
from chitieu.catalog.periods import parse_period
from chitieu.catalog.units import registry
from chitieu.cli.common import (
    EXIT_INVALID,
    AsOfOption,
    DbOption,
    JsonOption,
    LangOption,
    as_of_of,
    console,
    handle_errors,
    open_store,
    print_json,
    safe,
    say,
    user,
)
from chitieu.cli.revisions_cmds import revisions_cmd
from chitieu.fmt import format_number, format_pct

PeriodOpt = Annotated[str, typer.Option("--period", "-p", help="Period id, e.g. 2023S1.")]


def _unit(text: str, period: str) -> str:
    return registry().resolve(text, parse_period(period).end).id


def _n(v: float | None, lang: str, decimals: int = 0) -> str:
    return "" if v is None else format_number(v, decimals, lang)


@handle_errors
def validate_cmd(
    period: PeriodOpt,
    unit: Annotated[
        str | None, typer.Option("--unit", "-u", help="Only this unit (code, name or id).")
    ] = None,
    outliers: Annotated[
        bool, typer.Option("--outliers/--no-outliers", help="Also compare values with history.")
    ] = True,
    cap: Annotated[int, typer.Option("--cap", help="Findings listed at most.")] = 2000,
    as_of: AsOfOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "vi",
) -> None:
    """Run every validation rule and the outlier checks over the stored values of a period.

    Findings of all kinds in one pass: rule id, severity, place, value, imbalance, message and
    how to fix it. Exit code 1 when a rule of importance `error` fails.
    """
    from chitieu.check.runner import validate_period

    p = parse_period(period)
    units = [_unit(unit, p.id)] if unit else None
    rep = validate_period(
        open_store(db), p.id, units=units, outliers=outliers, cap=cap, as_of=as_of_of(as_of)
    )
    if as_json:
        print_json(rep.to_dict())
    else:
        print_report(rep, lang)
    if not rep.valid:
        raise typer.Exit(EXIT_INVALID)


def print_report(rep: Any, lang: str) -> None:
    """A report as a readable table with a header of counts."""
    counts = ", ".join(f"{k}: {v}" for k, v in sorted(rep.counts.items())) or "—"
    head = say("cli-findings-title", lang, errors=rep.errors, warnings=rep.warnings)
    console.print(f"[bold]{head}[/] ({counts})")
    if rep.findings:
        t = Table(show_lines=True)
        for col in ("severity", "rule", "place", "value", "imbalance", "message", "fix"):
            t.add_column(col, overflow="fold")
        for f in rep.findings:
            style = "red" if f.severity == "error" else "yellow"
            t.add_row(
                f"[{style}]{f.severity}[/]", safe(f.rule or f.type), safe(f.place),
                "" if f.value is None else format_pct(f.value, 2, lang),
                "" if f.imbalance is None else format_pct(f.imbalance, 2, lang, sign=True),
                safe(f.message(lang)), safe(f.hint(lang)),
            )  # fmt: skip
        console.print(t)
    if rep.capped:
        console.print(
            f"[yellow]{say('cli-capped', lang, shown=len(rep.findings), dropped=rep.dropped)}[/]"
        )


@handle_errors
def completeness_cmd(
    period: PeriodOpt,
    form: Annotated[str | None, typer.Option("--form", help="Only this form code.")] = None,
    round_: Annotated[
        str | None,
        typer.Option(
            "--round",
            help="estimate ('ước', due before the review), actual (the official figures) or "
            "plan. Default: each form's round due next on the day looked at.",
        ),
    ] = None,
    as_of: AsOfOption = None,
    show_all: Annotated[bool, typer.Option("--all", help="List every unit, on time too.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "vi",
) -> None:
    """Which units have reported a period's forms: each unit's state (its report in the
    workflow, or values received by other means) and, apart, its timeliness (on time, late,
    partial, pending, missing) — the shape of the API's board."""
    from chitieu.check.completeness import completeness

    if round_ not in (None, "estimate", "actual", "plan"):
        raise typer.BadParameter("use estimate, actual or plan", param_hint="--round")
    res = completeness(open_store(db), period, form, round_, as_of_of(as_of))
    if as_json:
        print_json([c.to_dict() for c in res])
        return
    for c in res:
        _print_completeness(c, show_all, lang)


def _print_completeness(c: Any, show_all: bool, lang: str) -> None:
    """One form's round: a summary line and a table of units."""
    from chitieu.catalog.instants import show
    from chitieu.check.completeness import Status
    from chitieu.workflow.words import state_label, word

    lang = lang if lang == "en" else "vi"
    counts = ", ".join(
        f"{word('timeliness', k, lang)}: {v}" for k, v in c.counts["timeliness"].items() if v
    )
    console.print(
        f"[bold]{c.form}[/] {safe(c.form_name[lang])} — {safe(c.title[lang])}: "
        f"{len(c.units)} expected; {counts}; reporting rate "
        f"{format_pct(c.reporting_rate, 2, lang)}%, on time {format_pct(c.on_time_rate, 2, lang)}%"
    )
    rows = [u for u in c.units if show_all or not (u.reported and u.timeliness == Status.ON_TIME)]
    if not rows:
        return
    t = Table()
    for col in ("unit", "name", "state", "timeliness", "indicators", "first sent",
                "days late", "est."):  # fmt: skip
        t.add_column(col)
    for u in rows:
        style = {"on_time": "green", "late": "yellow"}.get(u.timeliness, "red")
        t.add_row(
            u.unit, u.name, safe(state_label(u.state, lang)),
            f"[{style}]{word('timeliness', u.timeliness, lang)}[/]",
            f"{u.indicators_received}/{u.indicators_expected}",
            show(u.first_at, lang) if u.first_at else "",
            str(u.days_late or ""), "✓" if u.estimated else "",
        )  # fmt: skip
    console.print(t)


@handle_errors
def estimate_cmd(
    period: PeriodOpt,
    as_of: AsOfOption = None,
    method: Annotated[
        list[str] | None,
        typer.Option(
            "--method",
            "-m",
            help="Method(s) to try in order instead of each indicator's own: same_period_ratio, "
            "seasonal_share, ratio_of_means, carry_forward.",
        ),
    ] = None,
    indicator: Annotated[
        list[str] | None, typer.Option("--indicator", "-i", help="Only these indicators.")
    ] = None,
    unit: Annotated[
        list[str] | None, typer.Option("--unit", "-u", help="Only these units.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show; write nothing.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "vi",
) -> None:
    """Estimate ("ước") the figures of a period that units have not reported yet.

    Targets are the period's reporting forms (or --indicator/--unit). Each estimate is stored
    as kind `estimate` with its method and inputs, and is superseded, not deleted, when the
    unit's own figures arrive.
    """
    from chitieu.analyze.accuracy import bias_warnings
    from chitieu.analyze.estimate import estimate_period, write_estimates

    cat = catalog()
    for code in indicator or []:
        cat.get(code)
    p = parse_period(period)
    units = [_unit(u, p.id) for u in unit] if unit else None
    store = open_store(db)
    when = as_of_of(as_of)
    run = estimate_period(store, p.id, when, methods=method, indicators=indicator, units=units)
    if not dry_run:
        write_estimates(store, run, user())
    biased = bias_warnings(store, p.id, units, indicator, lang, when)
    if as_json:
        warnings = [{**a.to_dict(), "message": text} for a, text in biased]
        print_json({**run.to_dict(), "dry_run": dry_run, "biased": warnings})
        return
    t = Table(title=f"{p.id}: {len(run.estimates)} estimate(s)")
    for col in ("indicator", "unit", "value", "method", "basis"):
        t.add_column(col, justify="right" if col == "value" else "left")
    for e in run.estimates:
        ind = cat.get(e.indicator)
        basis = ", ".join(
            f"{k}={format_pct(v, 4, lang) if isinstance(v, float) else v}"
            for k, v in e.inputs.items()
            if k in ("ratio", "mean_share", "responders") or k == "from"
        )
        t.add_row(e.indicator, e.unit, _n(e.value, lang, ind.decimals), e.method, basis)
    console.print(t)
    console.print(
        f"{run.reported} already reported, {run.unchanged} unchanged, {len(run.skipped)} "
        "could not be estimated. "
        + (say("cli-estimates-dry-run", lang) if dry_run else
           say("cli-estimates-written", lang, batch=run.batch.id if run.batch else "-"))
    )  # fmt: skip
    for s in run.skipped:
        console.print(f"[yellow]{s.indicator} {s.unit}[/]: {safe(s.reason)}")
    for _, text in biased:
        console.print(f"[yellow]⚠ {safe(text)}[/]")


def register(app: typer.Typer) -> None:
    """Add these commands to the app."""
    app.command("validate")(validate_cmd)
    app.command("completeness")(completeness_cmd)
    app.command("estimate")(estimate_cmd)
    app.command("revisions")(revisions_cmd)  # cli/revisions_cmds.py
