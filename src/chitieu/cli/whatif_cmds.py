"""CLI: what if a late unit's figures were … (`whatif`, issue 22 item 4): nothing is written."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from chitieu.cli.common import (
    AsOfOption,
    BoundariesChoice,
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
)
from chitieu.cli.periods_opt import PeriodOption


@handle_errors
def whatif_cmd(
    period: PeriodOption,
    unit: Annotated[
        list[str] | None,
        typer.Option(
            "--unit",
            "-u",
            help="The unit hypothesised: a province reporting the period (id, code or name; "
            "before 1/7/2025 one of the 63 former provinces). Once for all, or once per --value.",
        ),
    ] = None,
    indicator: Annotated[
        list[str] | None,
        typer.Option(
            "--indicator",
            "-i",
            help="The indicator of each --value (or, with --scenario, the indicators to "
            "hypothesise; default: those the unit lacks).",
        ),
    ] = None,
    value: Annotated[
        list[str] | None,
        typer.Option(
            "--value",
            help="A hypothetical value, in the indicator's measure (18817, 18817,5 or 1.614.206 "
            "Vietnamese style; 18817.5 English style).",
        ),
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option(
            "--scenario",
            help="last-year-share: the unit keeps its share of the nation of the same period "
            "last year; ministry-estimate: the ministry's newest estimate of the unit.",
        ),
    ] = None,
    boundaries: Annotated[
        BoundariesChoice,
        typer.Option(help="current: today's 34 provinces; as_reported: those of the period."),
    ] = BoundariesChoice.CURRENT,
    as_of: AsOfOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "vi",
) -> None:
    """What if: the national figures and the report's headline sentences of a period before
    and under hypothetical values for a unit — nothing is written to the store.

    Examples: `chitieu whatif -p 2023S1 --as-of 2023-06-21 -u "An Giang" -i ICT_REVENUE
    --value 18817`; `chitieu whatif -p 2023S1 --as-of 2023-06-21 --scenario last-year-share
    -u "An Giang"`; `chitieu whatif -p 2023S1 --scenario ministry-estimate -u 89@63`.
    Exit codes: 0 shown; 2 usage error (period, unit, indicator — with the closest codes —,
    value, scenario, nothing to hypothesise); 4 database.
    """
    from chitieu.analyze.scenarios import asked
    from chitieu.report.whatif import what_if

    store = open_store(db)
    when = as_of_of(as_of)
    hyps = asked(store, period, units=unit or [], indicators=indicator or [],
                 values=value or [], scenario_name=scenario, as_of=when)  # fmt: skip
    got = what_if(store, period, hyps, lang, as_of=when, boundaries=boundaries.value)
    if as_json:
        print_json({"ok": True, **got.to_dict()})
        return
    _show(got, lang)


def _show(got: Any, lang: str) -> None:
    """The hypotheses, the national figures before and after, and the changed sentences."""
    from rich.table import Table

    from chitieu.catalog.instants import show
    from chitieu.fmt import period_label

    when = "" if got.as_of is None else f" ({say('cli-as-of', lang, when=show(got.as_of, lang))})"
    console.print(say("cli-whatif-title", lang, period=period_label(got.period, lang)) + when)
    for text in got.stated:
        console.print(f"  • {safe(text)}")
    pairs = got.national()
    if not pairs:  # the nation's own stored figures: no province's value feeds them
        console.print(say("cli-whatif-no-national", lang))
    else:
        t = Table(title=say("cli-whatif-figures", lang))
        for code in ("indicator", "before", "after", "change", "coverage"):
            t.add_column(say(f"cli-whatif-col-{code}", lang), justify="left" if code == "indicator"
                         else "right")  # fmt: skip
        for before, after in pairs:
            t.add_row(*_row(got, before, after, lang))
        console.print(t)
    changed = [s for s in got.sentences if s.changed]
    console.print(say("cli-whatif-sentences", lang, n=len(changed)))
    for s in changed:
        console.print(f"[red]- {safe(s.before)}[/]", highlight=False)
        console.print(f"[green]+ {safe(s.after)}[/]", highlight=False)
    console.print(say("cli-whatif-nothing-written", lang))


def _row(got: Any, before: Any, after: Any, lang: str) -> list[str]:
    from chitieu.fmt import format_number, format_pct

    ind = got.cat.get(after.indicator)

    def num(f: Any) -> str:
        if f is None or f.value is None:
            return "—"
        mark = f" {say('cli-estimate-mark', lang)}" if f.kind == "estimate" else ""
        return format_number(f.value, ind.decimals, lang) + mark

    def pct(f: Any) -> str:
        return "—" if f is None or f.change_pct is None else format_pct(f.change_pct, 2, lang, True)

    def cov(f: Any) -> str:
        return "" if f is None or f.coverage is None or f.coverage.own else f.coverage.text(lang)

    arrow = " → "
    return [safe(ind.name(lang)), num(before), num(after), pct(before) + arrow + pct(after),
            cov(before) + arrow + cov(after)]  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add these commands to the app."""
    app.command("whatif")(whatif_cmd)
