"""What a notice says, in Vietnamese and English (``catalog/data/notices.yaml``): its subject —
the bell's line and the e-mail's subject — and the e-mail's body, with the report named as
people name it ("Ước 6 tháng đầu năm 2026 — hạn 20/06/2026") and a link to its page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chitieu import clock
from chitieu.catalog.forms import forms
from chitieu.catalog.messages import message
from chitieu.catalog.periods import parse_period
from chitieu.catalog.units import registry
from chitieu.errors import ChitieuError
from chitieu.workflow.words import round_title, word

LANGS = ("vi", "en")


def link(row: Mapping[Any, Any]) -> str:
    """The path of the notice's report page (its round named)."""
    return f"/entry/{row['form']}/{row['unit']}/{row['period']}?round={row['round']}"


def _unit(uid: str, lang: str) -> str:
    try:
        u = registry().get(uid)
    except ChitieuError:
        return uid
    return u.name if lang == "vi" else u.name_en


def _form(code: str, lang: str) -> str:
    f = forms().find(code)
    if f is None:
        return code
    return f.name.vi if lang == "vi" else f.name.en


def _report(row: Mapping[Any, Any], lang: str) -> str:
    try:
        p = parse_period(row["period"])
    except ChitieuError:
        return f"{row['period']} {row['round']}"
    return round_title(row["round"], p, lang, row.get("due"))


def params(row: Mapping[Any, Any], lang: str, base_url: str = "") -> dict[str, Any]:
    """The placeholders of a notice's texts in ``lang``."""
    due = row.get("due")
    days = max((due - clock.today()).days, 0) if due is not None else ""
    level = row.get("level")
    return {
        "form": _form(row["form"], lang),
        "unit": _unit(row["unit"], lang),
        "report": _report(row, lang),
        "actor": row.get("actor") or "",
        "level": word("levels", level, lang) if level is not None else "",
        "comment": row.get("comment") or "",
        "days": days,
        "url": base_url.rstrip("/") + link(row),
    }


def subject(row: Mapping[Any, Any], lang: str = "vi") -> str:
    """The notice in one line (the bell's list, the e-mail's subject)."""
    return message(f"notice-{row['kind']}", lang, "subject", **params(row, lang))


def body(row: Mapping[Any, Any], lang: str, name: str, base_url: str) -> str:
    """The e-mail's text in ``lang``: greeting, what happened, the comment, the link."""
    p = params(row, lang, base_url)
    lines = [
        message("notice-mail", lang, "greeting", name=name),
        "",
        message(f"notice-{row['kind']}", lang, "body", **p),
    ]
    if p["comment"]:
        lines.append(message("notice-comment", lang, "line", comment=p["comment"]))
    lines += ["", message("notice-mail", lang, "link", url=p["url"])]
    return "\n".join(lines)


def mail_text(row: Mapping[Any, Any], lang: str, name: str, base_url: str) -> tuple[str, str]:
    """Subject (in the reader's language) and body (the reader's language first, then the
    other, then the footer in both) of a notice's e-mail."""
    first = lang if lang in LANGS else "vi"
    order = (first, *(x for x in LANGS if x != first))
    parts = [body(row, x, name, base_url) for x in order]
    footer = "\n".join(message("notice-mail", x, "footer") for x in order)
    return subject(row, first), "\n\n— — —\n\n".join(parts) + "\n\n-- \n" + footer + "\n"


def to_dict(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A notice in the app, JSON-ready (its text in both languages)."""
    return {
        "id": row["id"],
        "kind": row["kind"],
        "form": row["form"],
        "unit": row["unit"],
        "period": row["period"],
        "round": row["round"],
        "actor": row["actor"],
        "level": row["level"],
        "comment": row["comment"],
        "due": row["due"],
        "created_at": row["created_at"],
        "read": row["state"] == "read",
        "read_at": row["read_at"],
        "link": link(row),
        "text": {x: subject(row, x) for x in LANGS},
        "report": {x: f"{_form(row['form'], x)} — {_report(row, x)}" for x in LANGS},
    }
