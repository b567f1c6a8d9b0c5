"""Commands of the web application: ``serve``, ``users add|list|disable|password``,
``tokens add|list|revoke``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from chitieu.cli.common import DbOption, JsonOption, console, handle_errors, open_store, print_json

if TYPE_CHECKING:
    from chitieu.workflow.accounts import Accounts, TokenRecord

users_app = typer.Typer(
    help="Accounts (roles: admin, analyst, reporter, head — a provincial department's head, "
    "who accepts its units' reports — and viewer).",
    no_args_is_help=True,
)
tokens_app = typer.Typer(help="Bearer tokens for machine clients of /api/v1.", no_args_is_help=True)
#: who revokes from the command line (recorded with the token)
CLI_ACTOR = "cli"

#: a password: asked twice without echo unless CHITIEU_PASSWORD gives it
PasswordOption = Annotated[
    str,
    typer.Option(
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        envvar="CHITIEU_PASSWORD",
        help="The password (asked if not given).",
    ),
]


def _accounts(db: str | None) -> Accounts:
    from chitieu.workflow.accounts import Accounts

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
    """Run the web application (data entry, workflow, dashboard, REST API) on the store.

    The connections' limits are settings of the environment (docs/RELIABILITY.md):
    CHITIEU_MAX_HEADER_BYTES (32768), CHITIEU_HEADER_TIMEOUT (20 s), CHITIEU_KEEPALIVE_TIMEOUT
    (30 s), CHITIEU_SHUTDOWN_TIMEOUT (10 s), CHITIEU_SESSION_IDLE_MINUTES (60),
    CHITIEU_MAX_BODY_MB (10), CHITIEU_MAX_COMMENT_CHARS (2000).
    """
    import os

    import uvicorn

    from chitieu.collect.comments import comment_limit
    from chitieu.web.server import server_settings
    from chitieu.web.sessions import idle_minutes

    limits = server_settings().uvicorn_options()  # a bad value: refused here, exit 2
    idle_minutes()
    comment_limit()
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
            **limits,
        )
        return
    from chitieu.web.app import create_app, freeze_startup

    uvicorn.run(
        freeze_startup(create_app(store=store, https=https)),
        host=host,
        port=port,
        log_level="info",
        proxy_headers=https,
        **limits,
    )


@users_app.command("add")
@handle_errors
def users_add(
    username: Annotated[str, typer.Argument(help="User name (letters, digits, . - _).")],
    role: Annotated[
        str, typer.Option(help="admin, analyst, reporter, head or viewer.")
    ] = "reporter",
    unit: Annotated[
        list[str] | None,
        typer.Option(
            "--unit", help="A unit a reporter or head works for (id, code or name); repeat."
        ),
    ] = None,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    lang: Annotated[str, typer.Option(help="Interface language: vi or en.")] = "vi",
    email: Annotated[
        str | None, typer.Option(help="E-mail address for notices (optional).")
    ] = None,
    notices: Annotated[
        str, typer.Option(help="Notices: all (app and e-mail), app (app only) or none.")
    ] = "all",
    password: PasswordOption = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create an account (the password is stored as an argon2 hash)."""
    acc = _accounts(db).add(
        username, password, role, display_name=name, units=unit or [], lang=lang,
        email=email, notices=notices,
    )  # fmt: skip
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
    t = Table("user", "name", "role", "units", "active", "e-mail", "notices")
    for a in accounts:
        t.add_row(
            a.username,
            a.display_name,
            a.role,
            ", ".join(sorted(a.units)),
            "yes" if a.active else "no",
            a.email or "—",
            a.notices,
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
    """Disable an account: it can no longer sign in, its sessions end and its tokens are revoked
    (at once, in every server process). Enabling it again does not bring the tokens back."""
    acc = _accounts(db).set_active(username, enable)
    if as_json:
        print_json({"ok": True, "account": acc.to_dict()})
    else:
        console.print(f"{acc.username}: {'enabled' if acc.active else 'disabled'}")


@users_app.command("password")
@handle_errors
def users_password(
    username: str,
    password: PasswordOption = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Set a new password for USERNAME; every session of the account is signed out (its API
    tokens stay: `chitieu tokens revoke --all USERNAME`)."""
    ended = _accounts(db).set_password(username, password)
    if as_json:
        print_json({"ok": True, "user": username, "sessions_ended": ended})
    else:
        console.print(f"{username}: password changed, {ended} session(s) signed out")


def _token_dict(t: TokenRecord) -> dict[str, object]:
    return {
        "id": t.id,
        "user": t.username,
        "label": t.label,
        "created_at": t.created_at.isoformat(timespec="seconds") + "Z",
        "revoked": t.revoked,
        "revoked_at": t.revoked_at.isoformat(timespec="seconds") + "Z" if t.revoked_at else None,
        "revoked_by": t.revoked_by,
    }


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


@tokens_app.command("list")
@handle_errors
def tokens_list(
    username: Annotated[
        str | None, typer.Argument(help="Whose tokens (every account's if left out).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the bearer tokens of USERNAME (never the tokens themselves): id, label, created,
    and whether, when and by whom each was revoked."""
    tokens = _accounts(db).tokens(username)
    if as_json:
        print_json({"ok": True, "tokens": [_token_dict(t) for t in tokens]})
        return
    t = Table("id", "user", "label", "created (UTC)", "state")
    for tok in tokens:
        state = "valid"
        if tok.revoked:
            state = f"revoked {tok.revoked_at:%Y-%m-%d %H:%M}" if tok.revoked_at else "revoked"
            state += f" ({tok.revoked_by})" if tok.revoked_by else ""
        t.add_row(str(tok.id), tok.username, tok.label, f"{tok.created_at:%Y-%m-%d %H:%M}", state)
    console.print(t)


@tokens_app.command("revoke")
@handle_errors
def tokens_revoke(
    token_id: Annotated[
        int | None, typer.Argument(help="The id of the token (`chitieu tokens list`).")
    ] = None,
    all_of: Annotated[
        str | None,
        typer.Option("--all", metavar="USERNAME", help="Revoke every token of this account."),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Revoke a token by its id, or every token of an account (--all USERNAME); a revoked
    token is refused at once by every server process."""
    from chitieu.workflow.accounts import AccountError

    accounts = _accounts(db)
    if (token_id is None) == (all_of is None):
        raise AccountError(code="token-revoke-what")
    if all_of is not None:
        n = accounts.revoke_tokens(all_of, CLI_ACTOR)
        if as_json:
            print_json({"ok": True, "user": all_of, "revoked": n})
        else:
            console.print(f"{all_of}: {n} token(s) revoked")
        return
    assert token_id is not None
    tok = accounts.revoke_token(token_id, CLI_ACTOR)
    if as_json:
        print_json({"ok": True, "token": _token_dict(tok)})
    else:
        console.print(f"token {tok.id} of {tok.username} ({tok.label}): revoked")


def register(app: typer.Typer) -> None:
    """Add the web commands to the ``chitieu`` app."""
    app.command("serve")(serve)
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
