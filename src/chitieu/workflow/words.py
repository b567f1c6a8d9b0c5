"""The words of the reporting round in Vietnamese and English, from ``catalog/data/workflow.yaml``:
states, actions, rounds, approval levels, roles and timeliness, and a round's human title
("Ước 6 tháng cuối năm 2026 — hạn 21/12/2026"). The CLI, the API's labels, the core's error
messages and the web's pages all say them from here."""

from __future__ import annotations

import unicodedata
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Any

from chitieu.catalog.datafiles import load_yaml
from chitieu.catalog.periods import Period

LANGS = ("vi", "en")
#: parameters of an error that are words of this vocabulary (told in the reader's language)
WORD_PARAMS = {"state": "states", "action": "actions", "round": "rounds", "level": "levels"}


@cache
def _words() -> dict[str, Any]:
    path = files("chitieu.catalog") / "data" / "workflow.yaml"
    data = load_yaml(unicodedata.normalize("NFC", path.read_text(encoding="utf-8")))
    return dict(data)


def _lang(lang: str) -> str:
    return lang if lang in LANGS else "vi"


def word(group: str, key: object, lang: str = "vi") -> str:
    """The word for ``key`` of ``group`` (states, actions, rounds, levels, roles, timeliness);
    the key itself if the vocabulary has none (a state of a newer version, a user's round)."""
    if key is None and group == "states":
        key = "not_started"
    entry = _words()[group].get(key if group != "levels" else int(str(key)))
    return str(entry[_lang(lang)]) if entry else str(key)


def state_label(state: str | None, lang: str = "vi") -> str:
    """A report's state in ``lang`` (None: not started)."""
    return word("states", state, lang)


def action_label(action: str, lang: str = "vi", on_behalf: bool = False) -> str:
    """What an event did, in ``lang``; ``on_behalf``: done by a level above for the unit."""
    text = word("actions", action, lang)
    if on_behalf:
        return str(_words()["on_behalf"][_lang(lang)]).format(action=text)
    return text


def format_day(day: date, lang: str = "vi") -> str:
    """A deadline as people write it: 21/12/2026, or 21 Dec 2026."""
    from babel.dates import format_date

    return format_date(day, "dd/MM/y" if _lang(lang) == "vi" else "d MMM y", locale=_lang(lang))


def round_title(which: str, period: Period, lang: str = "vi", due: date | None = None) -> str:
    """A round of a period as people name it: "Ước 6 tháng cuối năm 2026 — hạn 21/12/2026",
    "Estimate, the second half of 2026 — due 21 Dec 2026"."""
    from chitieu.fmt import period_label

    lang = _lang(lang)
    words = _words()
    title = str(words["round_title"][lang]).format(
        round=word("rounds", which, lang), period=period_label(period, lang)
    )
    if due is None:
        return title
    return f"{title} — " + str(words["due"][lang]).format(date=format_day(due, lang))


def localised(params: dict[str, Any], lang: str) -> dict[str, Any]:
    """An error's parameters with the words of this vocabulary told in ``lang``."""
    return {
        k: word(WORD_PARAMS[k], v, lang) if k in WORD_PARAMS and v is not None else v
        for k, v in params.items()
    }
