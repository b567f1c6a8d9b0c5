"""CLI: the conference slide deck (`slides`)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from chitieu.catalog.units import NATION_ID
from chitieu.cli.common import (
    DbOption,
    JsonOption,
    LangOption,
    console,
    err_console,
    handle_errors,
    open_store,
    print_json,
    safe,
)
from chitieu.cli.report_cmds import DateError, _date
from chitieu.errors import ChitieuError


def _when(as_of: str | None) -> datetime | None:
    if not as_of:
        return None
    try:
        return datetime.fromisoformat(as_of)
    except ValueError:
        raise DateError(f"--as-of '{as_of}' is not a time", "write 2023-06-30T12:00") from None


@handle_errors
def slides_cmd(
    period: Annotated[str, typer.Option("--period", "-p", help="Period id, e.g. 2023S1, 2023.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out"),
    unit: Annotated[
        str, typer.Option("--unit", "-u", help="VN (nation) or a province.")
    ] = NATION_ID,
    template: Annotated[
        Path | None,
        typer.Option(
            "--template",
            help="Your own deck (.pptx) whose masters, layouts, logo and fonts the slides use "
            "(its own slides are left out).",
        ),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Use the data as it stood at this time (ISO).")
    ] = None,
    report_date: Annotated[
        str | None, typer.Option("--date", help="Date on the title slide. Default: today.")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "vi",
) -> None:
    """Write the conference slide deck of a period: OUT/slides-PERIOD-LANG.pptx.

    16:9; a title slide, the headline figures with change and % of plan, one slide per
    indicator group with a native, editable chart (value axis from zero, labels as written:
    1.614.206), the headline series, the province ranking, estimates marked "(ước)", the next
    period's key tasks and a closing slide. The same facts as `chitieu report`.

    Example: `chitieu slides --period 2023S1 --out out`.
    Exit codes: 0 written; 2 usage error (period, unit, date, unreadable template); 4 database.
    """
    from chitieu.report.slides_build import build_slides

    warnings: list[ChitieuError] = []
    path = build_slides(
        open_store(db),
        period,
        out,
        unit=unit,
        lang=lang,
        template=template,
        as_of=_when(as_of),
        report_date=_date(report_date, "--date"),
        on_warning=warnings.append,
    )
    if as_json:
        said = [dict(zip(("warning", "hint"), w.text(lang), strict=True)) for w in warnings]
        print_json({"ok": True, "period": period, "files": {"pptx": str(path)}, "warnings": said})
        return
    for w in warnings:
        message, hint = w.text(lang)
        err_console.print(f"[yellow]Lưu ý / Warning:[/] {safe(message)} ({safe(hint)})")
    console.print(f"Đã ghi bản trình chiếu / slides written: {path}")


def register(app: typer.Typer) -> None:
    """Add these commands to the app."""
    app.command("slides")(slides_cmd)
