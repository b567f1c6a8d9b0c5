"""Options, output and error handling shared by the CLI commands."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console

from chitieu.errors import ChitieuError


class BoundariesChoice(StrEnum):
    """The choices of analyze.facts.Boundaries (a test keeps them equal), importless."""

    CURRENT = "current"
    AS_REPORTED = "as_reported"


if TYPE_CHECKING:
    from chitieu.store.values import Store

# Piped output is not cut to 80 columns: scripts and logs get whole lines.
console = Console(width=None if sys.stdout.isatty() else 200)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 200)

#: exit codes of every command (documented in `chitieu --help` and README)
EXIT_OK = 0
EXIT_INVALID = 1  # input had errors; nothing was written
EXIT_USAGE = 2  # bad option, unreadable file
EXIT_CATALOG = 3  # the catalog data is broken
EXIT_STORE = 4  # the database cannot be opened or written (locked, full, read-only, gone)
EXIT_INTERNAL = 5  # an internal error (a bug): its details are in a log file

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="CHITIEU_DB",
        help="Database URL (SQLAlchemy), e.g. sqlite:///chitieu.db or "
        "postgresql://user@host/db. Default: chitieu.db in the working directory.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
#: the languages chitieu speaks
LANGS = ("vi", "en")


def say(code: str, lang: str | None = None, /, **params: Any) -> str:
    """What the CLI prints for ``code`` (``catalog/data/cli.yaml``, through
    ``catalog.messages.message``): in ``lang`` — the command's ``--lang`` (``CHITIEU_LANG``,
    default vi) — or, None, in both languages ("vi / en"), for a command that has no
    ``--lang``."""
    from chitieu.catalog.messages import message

    if lang is not None:
        return message(code, lang, **params)
    return f"{message(code, 'vi', **params)} / {message(code, 'en', **params)}"


def _lang(value: str | None) -> str | None:
    """``--lang`` takes vi or en only (any other: a usage error, exit 2)."""
    if value is not None and value not in LANGS:
        raise typer.BadParameter(say("cli-lang-bad", value=value), param_hint="'--lang'")
    return value


LangOption = Annotated[
    str,
    typer.Option(
        "--lang",
        help="Language of messages and labels: vi or en.",
        envvar="CHITIEU_LANG",
        callback=_lang,
    ),
]

#: every command that reads data takes --as-of, read by one parser (catalog/instants.py)
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Use the data as it stood at this instant (ISO 8601): 2023-06-25 means everything "
        "recorded by the end of that day in Vietnam; 2023-06-25T09:00 is Vietnam time "
        "(Asia/Ho_Chi_Minh); an offset (+07:00) or Z is honoured. Default: now.",
        show_default=False,
    ),
]

F = TypeVar("F", bound=Callable[..., Any])


def as_of_of(text: str | None) -> datetime | None:
    """The instant of an --as-of option (None: now), as the store keeps times; a text that is
    no ISO date or time is a usage error (exit 2)."""
    from chitieu.catalog.instants import maybe_instant

    return maybe_instant(text, "--as-of")


def open_store(db: str | None) -> Store:
    """The store named by --db / CHITIEU_DB (created and migrated if needed)."""
    from chitieu import open_store as open_  # imported here: `chitieu --help` needs no SQLAlchemy

    return open_(db)


def existing_store(db: str | None) -> Store | None:
    """The store named by --db / CHITIEU_DB if it exists already (a dry run creates none)."""
    from chitieu.store.db import database_exists

    return open_store(db) if database_exists(db) else None


def user() -> str:
    """Who is running the command (recorded with every write)."""
    return os.environ.get("CHITIEU_USER") or os.environ.get("USER") or "cli"


def print_json(data: Any) -> None:
    """Write JSON to stdout (UTF-8, Vietnamese unescaped)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


#: characters a terminal would act on (C0 and C1 controls, DEL, bidirectional overrides):
#: text from files and databases is shown with them escaped, never sent to the terminal raw
_CONTROLS = {
    **{c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if c not in (9, 10)},
    **{c: f"\\u{c:04x}" for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))},
}


def safe(text: object) -> str:
    """``text`` as the terminal may show it: rich markup escaped (a cell ``[/bold]`` is text,
    not a tag) and control characters written as escapes (``\\x1b``), so what a file holds
    can neither break the output nor drive the terminal."""
    from rich.markup import escape

    return escape(str(text).translate(_CONTROLS))


def _internal(exc: BaseException) -> ChitieuError:
    """An unexpected error: its traceback written to a log file, the user told where."""
    import tempfile
    import traceback
    from datetime import datetime

    folder = os.path.join(tempfile.gettempdir(), "chitieu-errors")
    try:
        os.makedirs(folder, exist_ok=True)
        log = os.path.join(folder, f"{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}.log")
        with open(log, "w", encoding="utf-8") as fh:
            fh.write("".join(traceback.format_exception(exc)))
    except OSError:
        log = say("cli-log-unwritable")
    err = ChitieuError(code="internal-error", detail=type(exc).__name__, log=log)
    err.exit_code = EXIT_INTERNAL
    return err


def as_error(exc: BaseException, db: str | None = None) -> ChitieuError:
    """What to tell the user about ``exc``: itself, a fault of the database, or an internal
    error logged to a file."""
    if isinstance(exc, ChitieuError):
        return exc
    from chitieu.store.faults import fault_of

    return fault_of(exc, db or os.environ.get("CHITIEU_DB") or "chitieu.db") or _internal(exc)


def handle_errors(fn: F) -> F:
    """Turn every error into a clear message and its exit code: a ChitieuError as raised, a
    fault of the database as exit 4, anything else as an internal error (exit 5) whose
    traceback goes to a log file, never to the screen."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, KeyboardInterrupt, SystemExit, typer.TyperException):
            raise  # a bad option value (click's usage errors) exits 2 with its usage line
        except Exception as raw:
            exc = as_error(raw, kwargs.get("db"))
            if kwargs.get("as_json"):
                print_json(
                    {
                        "ok": False,
                        "error": exc.message,
                        "hint": exc.hint,
                        "type": type(exc).__name__,
                        "text": {
                            lang: dict(zip(("error", "hint"), exc.text(lang), strict=True))
                            for lang in ("vi", "en")
                        },
                    }
                )
            else:
                lang = kwargs.get("lang")  # None: a command with no --lang speaks both
                message, hint = exc.text(lang or "vi")
                label, fix = say("cli-error", lang), say("cli-fix", lang)
                err_console.print(f"[bold red]{label}:[/] {safe(message)}", highlight=False)
                if hint:
                    err_console.print(f"[yellow]{fix}:[/] {safe(hint)}", highlight=False)
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]
