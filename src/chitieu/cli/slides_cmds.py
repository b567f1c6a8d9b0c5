"""CLI: the conference slide deck (`slides`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chitieu.cli.common import (
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
)
from chitieu.cli.periods_opt import NATION, PeriodOption, UnitOption, date_of
from chitieu.errors import ChitieuError


@handle_errors
def slides_cmd(
    period: PeriodOption,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out"),
    unit: UnitOption = NATION,
    template: Annotated[
        Path | None,
        typer.Option(
            "--template",
            help="Your own deck (.pptx) whose masters, layouts, logo and fonts the slides use "
            "(its own slides are left out).",
        ),
    ] = None,
    pdf: Annotated[
        bool,
        typer.Option(
            "--pdf",
            help="Also write OUT/slides-PERIOD-LANG.pdf (headless LibreOffice Impress, fonts "
            "embedded) for the handout and the archive.",
        ),
    ] = False,
    as_of: AsOfOption = None,
    report_date: Annotated[
        str | None, typer.Option("--date", help="Date on the title slide. Default: today.")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "vi",
) -> None:
    """Write the conference slide deck of a period: OUT/slides-PERIOD-LANG.pptx (and .pdf).

    16:9; a title slide, the headline figures with change and % of plan, one slide per
    indicator group with a native, editable chart (value axis from zero, labels as written:
    1.614.206), the headline series, the province ranking, estimates marked "(ước)", the next
    period's key tasks and a closing slide. The same facts as `chitieu report`.

    Example: `chitieu slides --period 2023S1 --pdf --out out`.
    Exit codes: 0 written; 1 no PDF (LibreOffice missing, failed or too slow); 2 usage error
    (period, unit, date, unreadable template); 4 database.
    """
    from chitieu.report.slides_build import write_slides

    warnings: list[ChitieuError] = []
    files = write_slides(
        open_store(db),
        period,
        out,
        unit=unit,
        lang=lang,
        template=template,
        as_of=as_of_of(as_of),
        report_date=date_of(report_date, "--date"),
        on_warning=warnings.append,
        pdf=pdf,
    )
    if as_json:
        said = [dict(zip(("warning", "hint"), w.text(lang), strict=True)) for w in warnings]
        shown = {k: str(v) for k, v in files.items()}
        print_json({"ok": True, "period": period, "files": shown, "warnings": said})
        return
    for w in warnings:
        message, hint = w.text(lang)
        err_console.print(f"[yellow]{say('cli-warning', lang)}:[/] {safe(message)} ({safe(hint)})")
    for path in files.values():
        console.print(say("cli-slides-written", lang, path=path))


def register(app: typer.Typer) -> None:
    """Add these commands to the app."""
    app.command("slides")(slides_cmd)
