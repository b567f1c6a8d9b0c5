"""CLI: the official forms — `chitieu forms` lists them with their layouts, `chitieu template`
writes a form's Excel template in its official layout (the one `chitieu import` reads)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from chitieu.cli.common import (
    DbOption,
    JsonOption,
    LangOption,
    console,
    handle_errors,
    print_json,
    say,
)

# The core modules are imported inside the commands, so that `chitieu --help` starts fast.


@handle_errors
def forms_cmd(as_json: JsonOption = False, lang: LangOption = "vi") -> None:
    """List the reporting forms, their rounds and their official sheet layouts (the "Biểu
    số", the rows and the columns `chitieu import` reads and `chitieu template` writes), and
    the file layouts `chitieu import` recognises."""
    from rich.table import Table

    from chitieu.catalog.forms import forms
    from chitieu.collect.layouts import layouts

    every = forms()
    if as_json:
        print_json({"forms": [f.to_dict() for f in every],
                    "layouts": [x.to_dict() for x in layouts()]})  # fmt: skip
        return
    t = Table(title=say("cli-forms-title", lang))
    for col in ("code", "name", "period", "rounds", "Biểu số", "columns"):
        t.add_column(col, overflow="fold")
    for f in every:
        lay = f.layout
        cols = " | ".join(" / ".join(p) for p in lay.columns) if lay else "—"
        t.add_row(f.code, f.name(lang), str(f.period_type),
                  ", ".join(str(r.round) for r in f.rounds), lay.number if lay else "—",
                  cols)  # fmt: skip
    console.print(t)
    console.print(say("cli-file-layouts", lang) + ": " + ", ".join(x.name for x in layouts()))


@handle_errors
def template_cmd(
    form: Annotated[str, typer.Option("--form", help="The form's code (`chitieu forms`).")],
    unit: Annotated[str, typer.Option("--unit", help="The reporting unit: code, id or name.")],
    period: Annotated[str, typer.Option("--period", help="The period, e.g. 2023S1.")],
    out: Annotated[Path, typer.Option("--out", help="The .xlsx file to write.")],
    round_: Annotated[
        str | None,
        typer.Option("--round", help="estimate | actual | plan (default: the form's first)."),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write a form's Excel template in its official layout (title, unit block, header rows,
    column numbers, signature block; locked key cells, a status dropdown, an instructions
    sheet), filled with the values stored for that unit and period if the database exists.
    Fill it in and `chitieu import` it. Exit 2 for an unknown unit or period, 3 for an
    unknown form or one without an official layout."""
    from chitieu.atomic import atomic_path
    from chitieu.catalog.forms import forms
    from chitieu.catalog.units import registry
    from chitieu.cli.common import existing_store
    from chitieu.collect.layouts.template import Request, workbook
    from chitieu.errors import CatalogError

    f = forms().get(form)
    if f.layout is None:
        raise CatalogError(
            f"form {f.code} has no official layout",
            "forms with one: " + ", ".join(x.code for x in forms() if x.layout),
        )
    p = f.period(period)
    u = registry().resolve(unit, p.end).id
    rnd = str(f.round(round_).round)
    values = _stored(existing_store(db), f, u, p)
    data = workbook(Request(f, u, p, rnd, values))
    with atomic_path(out) as tmp:
        tmp.write_bytes(data)
    if as_json:
        print_json({"file": str(out), "form": f.code, "unit": u, "period": p.id, "round": rnd,
                    "values": len(values)})  # fmt: skip
        return
    n = say("cli-template-values", n=len(values))
    console.print(f"[green]{out}[/]: {f.code} {u} {p.id} ({rnd}), {n}")


def _stored(store: Any, form: Any, unit: str, p: Any) -> dict[tuple[str, str, str], float]:
    """(indicator, period, kind) → value stored for the template's columns."""
    from chitieu.collect.layouts.headers import meaning

    if store is None or form.layout is None:
        return {}
    means = [meaning(path, p) for path in form.layout.headers(p)]
    periods = sorted({m.period.id for m in means if m is not None and m.period is not None})
    got = store.current(periods, indicators=list(form.indicators), units=[unit])
    return {(o.indicator, o.period, str(o.kind)): o.value for o in got}


def register(app: typer.Typer) -> None:
    """Add these commands to the app."""
    app.command("forms")(forms_cmd)
    app.command("template")(template_cmd)
