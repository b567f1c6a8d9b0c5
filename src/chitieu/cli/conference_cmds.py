"""CLI: viewer links of the conference board (`conference link | links | revoke`)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from chitieu.catalog.instants import iso, show
from chitieu.cli.common import (
    DbOption,
    JsonOption,
    LangOption,
    console,
    handle_errors,
    open_store,
    print_json,
    safe,
    say,
    user,
)

conference_app = typer.Typer(
    help="The conference board's read-only viewer links (one period each, revocable).",
    no_args_is_help=True,
)


def _row(t: Any) -> dict[str, Any]:
    return {
        "id": t.id,
        "period": t.period,
        "label": t.label,
        "created_at": iso(t.created_at),
        "created_by": t.created_by,
        "revoked": t.revoked,
        "revoked_at": iso(t.revoked_at) if t.revoked_at else None,
        "revoked_by": t.revoked_by,
    }


@conference_app.command("link")
@handle_errors
def conference_link(
    period: Annotated[str, typer.Option("--period", "-p", help="The board's period (2025S1).")],
    label: Annotated[
        str, typer.Option("--label", "-l", help="Who the link is for (a connection point).")
    ] = "",
    db: DbOption = None,
    as_json: JsonOption = False,
    lang: LangOption = "vi",
) -> None:
    """Make a read-only viewer link of a period's board: its URL with the token, shown once
    (only the token's SHA-256 is kept). The address is CHITIEU_BASE_URL (default
    http://127.0.0.1:8000)."""
    from chitieu.catalog.periods import parse_period
    from chitieu.web.viewer import make_link

    p = parse_period(period)
    link = make_link(open_store(db), p.id, label, user())
    if as_json:
        print_json({"id": link.id, "period": link.period, "label": link.label,
                    "token": link.token, "url": link.url})  # fmt: skip
        return
    console.print(say("cli-viewer-link", lang, id=link.id, period=link.period,
                      label=safe(link.label)))  # fmt: skip
    console.print(link.url, highlight=False, soft_wrap=True)
    console.print(say("cli-viewer-link-once", lang))


@conference_app.command("links")
@handle_errors
def conference_links(
    db: DbOption = None, as_json: JsonOption = False, lang: LangOption = "vi"
) -> None:
    """List the viewer links (newest first; revoked ones too). Tokens are never shown again."""
    from chitieu.web.viewer import links

    found = links(open_store(db))
    if as_json:
        print_json({"links": [_row(t) for t in found]})
        return
    t = Table(title=say("cli-viewer-links-title", lang, n=len(found)))
    for col in ("id", "period", "label", "made", "by", "revoked"):
        t.add_column(col, overflow="fold")
    for x in found:
        revoked = ""
        if x.revoked_at is not None:
            revoked = f"{show(x.revoked_at, lang)} {safe(x.revoked_by or '')}"
        t.add_row(str(x.id), x.period, safe(x.label), show(x.created_at, lang),
                  safe(x.created_by), revoked)  # fmt: skip
    console.print(t)


@conference_app.command("revoke")
@handle_errors
def conference_revoke(
    link_id: Annotated[int, typer.Argument(help="The link's id (chitieu conference links).")],
    db: DbOption = None,
    lang: LangOption = "vi",
) -> None:
    """Revoke a viewer link: its board is refused at once, and its open streams end."""
    from chitieu.web.viewer import revoke

    revoke(open_store(db), link_id, user())
    console.print(say("cli-viewer-revoked", lang, id=link_id))


def register(app: typer.Typer) -> None:
    """Add `conference` to the main app."""
    app.add_typer(conference_app, name="conference")
