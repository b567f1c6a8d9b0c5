"""The ``chitieu`` program: starts what a command will wait for, then runs the Typer app.

``chitieu report`` with DOCX, PDF or Markdown output draws charts (and prints the PDF) in
worker processes (``chitieu.report.workers``). They take ~0,5 s each to load matplotlib and
WeasyPrint, so they are started here, before the CLI's own imports, and load side by side while
the facts are computed. This module imports nothing heavy.
"""

from __future__ import annotations

import sys


def report_needs_workers(argv: list[str]) -> bool:
    """Is ``argv`` a ``chitieu report`` asking for a format with chart images (all but HTML)?

    The app's own options (``--version``, ``--help``) come before a command, so the command is
    the first argument.
    """
    if argv[1:2] != ["report"] or {"-h", "--help"} & set(argv):
        return False
    for i, arg in enumerate(argv):
        value = None
        if arg in ("--format", "-f") and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--format="):
            value = arg.removeprefix("--format=")
        if value is not None:
            return bool({f.strip().lower() for f in value.split(",") if f.strip()} - {"html"})
    return True  # the default: every format


def main() -> None:
    """Entry point of the ``chitieu`` script."""
    if report_needs_workers(sys.argv):
        from chitieu.report import workers

        workers.start()
    from chitieu.cli.main import app

    app()


if __name__ == "__main__":  # pragma: no cover
    main()
