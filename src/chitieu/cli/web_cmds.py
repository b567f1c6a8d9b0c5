"""Commands of the web application: ``serve``, ``users add|list|disable``, ``tokens add``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from chitieu.cli.common import DbOption, JsonOption, console, handle_errors, open_store, print_json

users_app = typer.Typer(
    help="Accounts of the web application (roles: admin, analyst, reporter, viewer).",
    no_args_is_help=True,
)
tokens_app = typer.Typer(help="Bearer tokens for machine clients of /api/v1.", no_args_is_help=True)


def _accounts(db: str | None):  # type: ignore[no-untyped-def]
    from chitieu.web.accounts import Accounts

    return Accounts(open_store(db))


@handle_errors
def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    https: Annotated[
        bool, typer.Option("--https", help="Behind an HTTPS proxy: mark cookies Secure.")
    ] = False,
    workers: Annotated[int, typer.Option(help="Worker processes (one per CPU core).")] = 1,
) -> None:
    """Run the web application (data entry, workflow, dashboard, REST API) on the store."""
    import os

    import uvicorn

    store = open_store(db)  # migrate once, before any worker starts
    console.print(f"chitieu: http://{host}:{port}/  (Ctrl+C to stop)", highlight=False)
    if workers > 1:
        os.environ["CHITIEU_DB"] = store.engine.url.render_as_string(hide_password=False)
        os.environ["CHITIEU_HTTPS"] = "1" if https else ""
        store.engine.dispose()
        uvicorn.run(
            "chitieu.web.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            proxy_headers=https,
            timeout_keep_alive=30,
        )
        return
    from chitieu.web.app import create_app, freeze_startup

    uvicorn.run(
        freeze_startup(create_app(store=store, https=https)),
        host=host,
        port=port,
        log_level="info",
        proxy_headers=https,
        timeout_keep_alive=30,
    )


@users_app.command("add")
@handle_errors
def users_add(
    username: Annotated[str, typer.Argument(help="User name (letters, digits, . - _).")],
    role: Annotated[str, typer.Option(help="admin, analyst, reporter or viewer.")] = "reporter",
    unit: Annotated[
        list[str] | None,
        typer.Option("--unit", help="A unit the reporter reports for (id, code or name); repeat."),
    ] = None,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    lang: Annotated[str, typer.Option(help="Interface language: vi or en.")] = "vi",
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="CHITIEU_PASSWORD",
            help="Password (asked if not given).",
        ),
    ] = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create an account (the password is stored as an argon2 hash)."""
    acc = _accounts(db).add(
        username, password, role, display_name=name, units=unit or [], lang=lang
    )
    if as_json:
        print_json({"ok": True, "account": acc.to_dict()})
    else:
        console.print(f"created {acc.username} ({acc.role}) {', '.join(sorted(acc.units))}")


@users_app.command("list")
@handle_errors
def users_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List accounts with their role, units and whether they are active."""
    accounts = _accounts(db).list()
    if as_json:
        print_json({"ok": True, "accounts": [a.to_dict() for a in accounts]})
        return
    t = Table("user", "name", "role", "units", "active")
    for a in accounts:
        t.add_row(
            a.username,
            a.display_name,
            a.role,
            ", ".join(sorted(a.units)),
            "yes" if a.active else "no",
        )
    console.print(t)


@users_app.command("disable")
@handle_errors
def users_disable(
    username: str,
    enable: Annotated[bool, typer.Option("--enable", help="Enable the account again.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Disable an account: it can no longer sign in, and its tokens stop working."""
    acc = _accounts(db).set_active(username, enable)
    if as_json:
        print_json({"ok": True, "account": acc.to_dict()})
    else:
        console.print(f"{acc.username}: {'enabled' if acc.active else 'disabled'}")


@tokens_app.command("add")
@handle_errors
def tokens_add(
    username: str,
    label: Annotated[str, typer.Option(help="What the token is for.")] = "api",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make a bearer token for USERNAME; it is shown once (only its hash is stored)."""
    token = _accounts(db).add_token(username, label)
    if as_json:
        print_json({"ok": True, "user": username, "token": token})
    else:
        console.print(token, highlight=False)


def register(app: typer.Typer) -> None:
    """Add the web commands to the ``chitieu`` app."""
    app.command("serve")(serve)
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
