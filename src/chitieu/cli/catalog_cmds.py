"""CLI: the reference data — indicators, reporting units, periods."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from chitieu.cli.common import JsonOption, LangOption, console, handle_errors, print_json, say

# The core modules are imported inside the commands, so that `chitieu --help` starts fast.


@handle_errors
def catalog_cmd(as_json: JsonOption = False, lang: LangOption = "vi") -> None:
    """List the indicator catalog (codes, names, units of measure, aggregation rules)."""
    from rich.table import Table

    from chitieu.catalog.indicators import catalog

    cat = catalog()
    if as_json:
        print_json([cat.describe(i) for i in cat])
        return
    t = Table(title=say("cli-catalog-title", lang))
    for col in ("code", "name", "measure", "units", "time", "group"):
        t.add_column(col)
    for i in cat:
        units = i.units_rule + (f" ({i.formula})" if i.formula else "")
        t.add_row(i.code, i.name(lang), cat.measure(i, lang), units, i.time_rule, i.group)
    console.print(t)


@handle_errors
def units_cmd(
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Only units valid on this date (YYYY-MM-DD)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List reporting units: the nation, 63 provinces (to 2025-06-30), 34 (from 2025-07-01)."""
    from rich.table import Table

    from chitieu.catalog.units import registry

    reg = registry()
    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        from chitieu.catalog.instants import InstantError

        raise InstantError(code="input-bad-date", field="--as-of", text=as_of) from None
    units = reg.units(day)
    if as_json:
        print_json(
            [
                {
                    "id": u.id,
                    "code": u.code,
                    "name": u.name,
                    "short_name": u.short_name,
                    "level": u.level,
                    "parent": u.parent,
                    "valid_from": u.valid_from,
                    "valid_to": u.valid_to,
                    "system": u.system,
                    "successor": reg.successor(u.id).id if u.system == "63" else None,
                }
                for u in units
            ]
        )
        return
    t = Table(title=say("cli-units-title", n=len(units)))
    for col in ("id", "code", "name", "valid from", "valid to", "→ 34"):
        t.add_column(col)
    for u in units:
        succ = reg.successor(u.id).id if u.system == "63" else ""
        t.add_row(u.id, u.code, u.name, str(u.valid_from or ""), str(u.valid_to or ""), succ)
    console.print(t)


@handle_errors
def period_cmd(
    period: Annotated[
        str, typer.Argument(help="Period id: 2023, 2023S1, 2023Q2, 202306, 2023YTD09")
    ],
    as_json: JsonOption = False,
    lang: LangOption = "vi",
) -> None:
    """Explain a period id: its months, the same period last year, year to date."""
    from chitieu.catalog.periods import parse_period
    from chitieu.fmt import period_label

    p = parse_period(period)
    info = {
        "id": p.id,
        "type": str(p.type),
        "label": period_label(p, lang),
        "start": p.start.isoformat(),
        "end": p.end.isoformat(),
        "months": [m.id for m in p.months()],
        "same_period_last_year": p.same_period_last_year().id,
        "year_to_date": p.year_to_date().id,
        "parts": [q.id for q in p.parts()],
    }
    if as_json:
        print_json(info)
    else:
        for k, v in info.items():
            console.print(f"[bold]{k}[/]: {', '.join(v) if isinstance(v, list) else v}")


def register(app: typer.Typer) -> None:
    """Add these commands to the app."""
    app.command("catalog")(catalog_cmd)
    app.command("units")(units_cmd)
    app.command("period")(period_cmd)
