"""The ``chitieu`` command: a thin shell over the core (catalog → collect → store → analyze)."""

from __future__ import annotations

import typer

from chitieu import __version__
from chitieu.cli import (
    benchmark_cmds,
    catalog_cmds,
    conference_cmds,
    data_cmds,
    editions_cmds,
    exchange_cmds,
    form_cmds,
    notify_cmds,
    quality_cmds,
    report_cmds,
    slides_cmds,
    store_cmds,
    web_cmds,
    whatif_cmds,
    workflow_cmds,
)

HELP = """\
chitieu — thống kê và sơ kết, tổng kết ngành (sector statistics and performance reviews).

Quick start: `chitieu demo` loads the demo data, then
`chitieu summary --period 2023S1` shows the first-half review figures.

Database: --db URL or CHITIEU_DB (default: chitieu.db, an SQLite file in the working directory).

Exit codes: 0 done; 1 the input has errors (nothing was written); 2 usage error or
unreadable file; 3 the indicator catalog is broken; 4 the database cannot be opened.
"""

app = typer.Typer(
    name="chitieu",
    help=HELP,
    no_args_is_help=True,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"chitieu {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """chitieu: sector statistics and performance reviews."""


catalog_cmds.register(app)
data_cmds.register(app)
form_cmds.register(app)
quality_cmds.register(app)
report_cmds.register(app)
slides_cmds.register(app)
editions_cmds.register(app)
conference_cmds.register(app)
benchmark_cmds.register(app)
web_cmds.register(app)
workflow_cmds.register(app)
store_cmds.register(app)
exchange_cmds.register(app)
notify_cmds.register(app)
whatif_cmds.register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
