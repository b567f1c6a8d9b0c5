"""Options, output and error handling shared by the CLI commands."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
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
EXIT_STORE = 4  # the database cannot be opened or migrated

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
LangOption = Annotated[
    str,
    typer.Option(
        "--lang", help="Language of messages and labels: vi or en.", envvar="CHITIEU_LANG"
    ),
]

F = TypeVar("F", bound=Callable[..., Any])


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


def handle_errors(fn: F) -> F:
    """Turn ChitieuError into a clear message and the error's exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ChitieuError as exc:
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
                message, hint = exc.text(kwargs.get("lang") or "vi")
                err_console.print(f"[bold red]Lỗi / Error:[/] {message}", highlight=False)
                if hint:
                    err_console.print(f"[yellow]Cách sửa / Fix:[/] {hint}", highlight=False)
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]
