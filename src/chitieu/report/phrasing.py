"""Phrasing data (verbs, connectives, titles) and the Jinja2 environment that renders it."""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, TemplateError

from chitieu.catalog.datafiles import load_yaml
from chitieu.errors import CatalogError

LANGS = ("vi", "en")


@cache
def _env() -> Environment:
    return Environment(autoescape=False, undefined=StrictUndefined, keep_trailing_newline=False)


@cache
def _compiled(source: str) -> Any:
    return _env().from_string(source)


def render(source: str, **values: Any) -> str:
    """Render a phrasing string (a Jinja2 template over prepared fields); NFC-normalised."""
    try:
        text = _compiled(source).render(**values)
    except TemplateError as exc:
        raise CatalogError(
            f"phrasing template {source!r} cannot be rendered: {exc}",
            "fix the template in phrasing.yaml or the indicator catalog",
        ) from exc
    return unicodedata.normalize("NFC", text)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


@cache
def _shipped() -> dict[str, Any]:
    path = resources.files("chitieu.report") / "data" / "phrasing.yaml"
    return load_yaml(path.read_text(encoding="utf-8"))


def phrasing(lang: str = "vi", templates: Path | None = None) -> dict[str, Any]:
    """The phrasing of ``lang``: shipped data, overridden key by key by ``templates``."""
    if lang not in LANGS:
        raise CatalogError(f"unknown language '{lang}'", "use vi or en")
    data = _shipped()[lang]
    user = templates / "phrasing.yaml" if templates else None
    if user is not None and user.is_file():
        try:
            extra = load_yaml(user.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise CatalogError(f"{user}: not valid YAML ({exc})", "fix the file") from exc
        if not isinstance(extra, dict):
            raise CatalogError(f"{user}: must be a mapping with keys vi / en", "fix the file")
        data = _merge(data, extra.get(lang) or {})
    return data


def lower_first(text: str) -> str:
    """Lower-case the first letter of a name inside a sentence, keeping the rest as written
    ("Doanh thu toàn ngành TT&TT" → "doanh thu toàn ngành TT&TT"); a name that opens with an
    abbreviation keeps it ("ICT sector revenue")."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return text
    return text[:1].lower() + text[1:]


def capitalise(text: str) -> str:
    """Upper-case the first letter of a sentence (the rest untouched)."""
    return text[:1].upper() + text[1:]
