"""``chitieu notify``: what a scheduler runs (docs/systemd/chitieu-notify.timer) — write the
deadline notices due today and send the e-mails waiting in the outbox, retrying failed ones;
and ``chitieu users set``: an account's e-mail address and notice preference.

Exit codes of ``notify``: 0 done (every e-mail due was sent, or no SMTP server is set: the
notices stay in the app); 1 some e-mails could not be sent (each is tried again on a later run,
its error kept; the JSON names them); 2 a bad setting (CHITIEU_SMTP_PORT, CHITIEU_NOTICE_DAYS …);
4 the database cannot be used.
"""

from __future__ import annotations

from typing import Annotated

import typer

from chitieu.cli.common import DbOption, JsonOption, console, handle_errors, open_store, print_json
from chitieu.cli.web_cmds import users_app

#: some e-mails were not sent (they are tried again on the next run)
EXIT_NOT_SENT = 1


@handle_errors
def notify(
    db: DbOption = None,
    days: Annotated[
        int | None,
        typer.Option(
            "--days",
            min=0,
            help="Warn of deadlines this many days ahead (default: CHITIEU_NOTICE_DAYS, else "
            "the form's notice_days, else 3).",
            show_default=False,
        ),
    ] = None,
    no_send: Annotated[
        bool, typer.Option("--no-send", help="Write the deadline notices only; send nothing.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Write the deadline notices due today and send the e-mails due (run it every few
    minutes from a scheduler; two runs at once send each e-mail once).

    SMTP settings: CHITIEU_SMTP_HOST (unset: nothing is e-mailed), CHITIEU_SMTP_PORT (25),
    CHITIEU_SMTP_USER, CHITIEU_SMTP_PASSWORD, CHITIEU_SMTP_FROM, CHITIEU_SMTP_STARTTLS (0/1),
    CHITIEU_BASE_URL (the address e-mails link to). Today is CHITIEU_NOW if set.

    Exit codes: 0 done; 1 some e-mails failed (tried again on the next run); 2 a bad setting;
    4 the database cannot be used.
    """
    from chitieu.workflow.notices_mail import SmtpSettings
    from chitieu.workflow.notices_mail import notify as run

    settings = SmtpSettings.from_env()  # a bad setting: exit 2 before anything is done
    out = run(open_store(db), days=days, settings=settings, send=not no_send)
    if as_json:
        print_json(out.to_dict())
    else:
        where = f"{settings.host}:{settings.port}" if out.smtp else "no SMTP server set"
        console.print(
            f"notify: {out.created} notice(s) of deadlines written; e-mails ({where}): "
            f"{out.sent} sent, {out.failed} to retry, {out.given_up} given up",
            highlight=False,
        )
        for e in out.errors:
            console.print(f"  {e}", highlight=False, markup=False)
    if not out.ok:
        raise typer.Exit(EXIT_NOT_SENT)


@users_app.command("set")
@handle_errors
def users_set(
    username: str,
    email: Annotated[
        str | None,
        typer.Option("--email", help='Where notices are e-mailed ("" removes the address).'),
    ] = None,
    notices: Annotated[
        str | None,
        typer.Option(
            "--notices", help="all (in the app and by e-mail), app (in the app only) or none."
        ),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Set an account's e-mail address and which notices it gets."""
    from chitieu.workflow.accounts import Accounts

    acc = Accounts(open_store(db)).set_contact(username, email=email, notices=notices)
    if as_json:
        print_json({"ok": True, "account": acc.to_dict()})
    else:
        console.print(f"{acc.username}: e-mail {acc.email or '—'}, notices {acc.notices}")


def register(app: typer.Typer) -> None:
    """Add ``notify`` to the ``chitieu`` app (``users set`` joins ``users``)."""
    app.command("notify")(notify)
