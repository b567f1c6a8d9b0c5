"""The ``chitieu`` program: starts what a command will wait for, then runs the Typer app.

``chitieu report`` with DOCX, PDF or Markdown output draws charts (and prints the PDF) in
worker processes (``chitieu.report.workers``). They take ~0,5 s each to load matplotlib and
WeasyPrint, so they are started here, before the CLI's own imports, and load side by side while
the facts are computed. This module imports nothing heavy.
"""

from __future__ import annotations

import sys


def report_needs_workers(argv: list[str]) -> bool:
    """Is ``argv`` a ``chitieu report`` asking for a format that needs the render workers (the
    format registry says which: those with chart images)?

    The app's own options (``--version``, ``--help``) come before a command, so the command is
    the first argument.
    """
    if argv[1:2] != ["report"] or {"-h", "--help"} & set(argv):
        return False
    value: str | None = None
    for i, arg in enumerate(argv):
        if arg in ("--format", "-f") and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--format="):
            value = arg.removeprefix("--format=")
        if value is not None:
            break
    from chitieu.report.workers import formats_need_workers

    return formats_need_workers(value.split(",") if value is not None else None)  # None: default


def main() -> None:
    """Entry point of the ``chitieu`` script."""
    if report_needs_workers(sys.argv):
        from chitieu.report import workers

        workers.start()
    from chitieu.cli.main import app

    try:
        app()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    _exit(code)


def _exit(code: object) -> None:
    """End the program without tearing the interpreter down.

    With the report's libraries loaded, Python's own teardown (every module and object freed
    one by one) takes ≈ 0,2 s. The exit handlers still run first — the report workers are
    stopped, database connections closed, logs flushed — and then the process ends.
    """
    import atexit
    import contextlib
    import os

    if code is None:
        code = 0
    elif not isinstance(code, int):  # sys.exit("message")
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (`chitieu … | head`)
            stream.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
