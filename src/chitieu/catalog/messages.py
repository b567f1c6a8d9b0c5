"""Texts phrased from data, in Vietnamese and English: errors (``catalog/data/errors*.yaml``),
notices (``notices.yaml``) and what the CLI prints (``cli.yaml``), all read by ``message``.

``ChitieuError(code="unit-merged", unit=..., on=date(...))`` reads its message and hint here;
dates are written the CLDR way of each language (Babel), other parameters as given.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Any

from chitieu.catalog.datafiles import load_yaml

LANGS = ("vi", "en")


#: every file of error texts, in ``catalog/data/`` (a code may be told in one file only)
ERROR_FILES = (
    "errors.yaml",
    "errors_input.yaml",
    "errors_web.yaml",
    "errors_store.yaml",
    "errors_faults.yaml",
    "errors_workflow.yaml",
    "errors_exchange.yaml",
    "errors_notices.yaml",
    "errors_whatif.yaml",
)


@cache
def _errors() -> dict[str, dict[str, dict[str, str]]]:
    out: dict[str, dict[str, dict[str, str]]] = {}
    for name in ERROR_FILES:
        path = files("chitieu.catalog") / "data" / name
        if not path.is_file():
            continue
        data = load_yaml(unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))) or {}
        for code, entry in data.items():
            if code in out:
                raise KeyError(f"error {code} is told in two files")
            out[code] = entry
    return out


def _param(value: Any, lang: str, pattern: str) -> Any:
    """A parameter as ``lang`` writes it: a date the CLDR way, a text given in both languages
    (``{"vi": …, "en": …}``) in its own."""
    from babel.dates import format_date

    if isinstance(value, date):
        return format_date(value, pattern, locale=lang)
    if isinstance(value, dict) and set(value) == set(LANGS):
        return value[lang]
    return value


def error_text(code: str, params: dict[str, Any], lang: str = "vi") -> tuple[str, str]:
    """The message and hint of error ``code`` in ``lang`` (vi or en)."""

    lang = lang if lang in LANGS else "vi"
    entry = _errors()[code]
    pattern = "dd/MM/y" if lang == "vi" else "medium"
    ctx = {k: _param(v, lang, pattern) for k, v in params.items()}
    return entry["message"][lang].format_map(ctx), entry["hint"][lang].format_map(ctx)


#: files of texts other than errors (a notice's subject and body, a page's words, what the
#: CLI prints), by code: ``{part: {vi, en}}``, or ``{vi, en}`` for a text of one part
#: (its part is ``message``)
TEXT_FILES = ("notices.yaml", "cli.yaml")


@cache
def _texts() -> dict[str, dict[str, dict[str, str]]]:
    out: dict[str, dict[str, dict[str, str]]] = {}
    for name in TEXT_FILES:
        path = files("chitieu.catalog") / "data" / name
        data = load_yaml(unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))) or {}
        for code, entry in data.items():
            if code in out:
                raise KeyError(f"text {code} is told in two files")
            out[code] = {"message": entry} if set(entry) == set(LANGS) else entry
    return out


def message(code: str, lang: str = "vi", part: str = "message", **params: Any) -> str:
    """The text ``code`` (a notice's, or an error's) in ``lang``: its ``part`` (message, hint,
    subject, body …) with ``params`` filled in; dates written as :func:`error_text` does."""
    if code not in _texts():
        message_, hint = error_text(code, params, lang)
        return hint if part == "hint" else message_

    lang = lang if lang in LANGS else "vi"
    pattern = "dd/MM/y" if lang == "vi" else "d MMM y"
    ctx = {k: _param(v, lang, pattern) for k, v in params.items()}
    return str(_texts()[code][part][lang]).format_map(ctx)
