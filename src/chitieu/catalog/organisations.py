"""Who issues a report on a date: the ministry, or a province's department (dated data).

``issuer(unit, on, lang)`` reads ``catalog/data/organisations.yaml``: the Ministry of
Information and Communications until 28 February 2025, the Ministry of Science and
Technology from 1 March 2025; a province's Department of Information and Communications,
then its Department of Science and Technology. The heading block, number, place, signer and
recipients of a report come from the entry in force on the report's date, so none of it is
written in a template. ``CHITIEU_ORGANISATIONS`` names a YAML file whose lists replace the
shipped ones (a renamed body, another date).

Also how a province is written in running text (``in_text``: "tỉnh An Giang",
"Thành phố Hồ Chí Minh", "An Giang province") and its place name in a heading.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from chitieu.catalog.datafiles import load_yaml
from chitieu.catalog.units import NATION_ID, Unit
from chitieu.errors import CatalogError

LANGS = ("vi", "en")
_FIELDS = ("parent", "name", "short", "number", "place", "signer_title", "recipients")


@dataclass(frozen=True)
class Organisation:
    """The body that issues a report on a date, as its heading block writes it."""

    kind: str  # ministry | department
    valid_from: date | None
    valid_to: date | None
    parent: str  # the line above the issuer ("UBND TỈNH AN GIANG"; "" for the ministry)
    name: str  # "Sở Khoa học và Công nghệ"
    short: str  # "Sở KH&CN" (in text)
    number: str  # "Số:        /BC-SKHCN"
    place: str  # "An Giang" (the place of the place-and-date line)
    signer_title: str
    recipients: tuple[str, ...]

    @property
    def heading(self) -> str:
        """The issuer's line of the heading block, in capitals."""
        return upper(self.name)

    def valid_on(self, d: date) -> bool:
        """Whether this entry is in force on ``d`` (both bounds inclusive)."""
        return (self.valid_from is None or d >= self.valid_from) and (
            self.valid_to is None or d <= self.valid_to
        )


def upper(text: str) -> str:
    """Capitals as a heading writes them ("TT&TT" stays; NFC kept)."""
    return unicodedata.normalize("NFC", text.upper())


@cache
def _shipped() -> dict[str, Any]:
    path = resources.files("chitieu.catalog") / "data" / "organisations.yaml"
    return load_yaml(unicodedata.normalize("NFC", path.read_text(encoding="utf-8")))


def _user(path: str) -> dict[str, Any]:
    try:
        data = load_yaml(unicodedata.normalize("NFC", Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise CatalogError(
            f"CHITIEU_ORGANISATIONS={path}: cannot be read ({exc})", "fix or unset it"
        ) from exc
    if not isinstance(data, dict):
        raise CatalogError(
            f"CHITIEU_ORGANISATIONS={path}: not a mapping", "give ministry / department lists"
        )
    return data


def data() -> dict[str, Any]:
    """The organisation data: the shipped file, lists replaced by ``CHITIEU_ORGANISATIONS``."""
    out = dict(_shipped())
    extra = os.environ.get("CHITIEU_ORGANISATIONS")
    if extra:
        out.update(_user(extra))
    return out


def _entry(kind: str, raw: dict[str, Any], lang: str, params: dict[str, str]) -> Organisation:
    text = raw.get(lang) or {}
    missing = [f for f in _FIELDS if f not in text]
    if missing:
        raise CatalogError(
            f"organisation entry of {kind} from {raw.get('from')} has no {', '.join(missing)} "
            f"in '{lang}'",
            "complete it in organisations.yaml",
        )

    def fill(s: str) -> str:
        return unicodedata.normalize("NFC", s.format_map(params))

    return Organisation(
        kind,
        raw.get("from"),
        raw.get("to"),
        fill(text["parent"]),
        fill(text["name"]),
        fill(text["short"]),
        fill(text["number"]),
        fill(text["place"]),
        fill(text["signer_title"]),
        tuple(fill(r) for r in text["recipients"]),
    )


def _pick(
    kind: str, entries: list[dict[str, Any]], on: date, lang: str, params: dict[str, str]
) -> Organisation:
    found = [o for o in (_entry(kind, e, lang, params) for e in entries) if o.valid_on(on)]
    if not found:
        raise CatalogError(
            f"no {kind} is in force on {on.isoformat()} in the organisation data",
            "add an entry whose from/to holds that date to organisations.yaml",
        )
    return found[-1]


def ministry(on: date, lang: str = "vi") -> Organisation:
    """The ministry in charge of information and communications on ``on``."""
    return _pick("ministry", data()["ministry"], on, _lang(lang), {})


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise CatalogError(f"unknown language '{lang}'", "use vi or en")
    return lang


def issuer(unit: Unit | None, on: date, lang: str = "vi") -> Organisation:
    """Who issues a report of ``unit`` (the nation: the ministry) dated ``on``."""
    lang = _lang(lang)
    if unit is None or unit.id == NATION_ID:
        return ministry(on, lang)
    d = data()
    entries = (d.get("departments") or {}).get(unit.id) or d["department"]
    params = {
        "province": in_text(unit, lang),
        "province_upper": upper(in_text(unit, lang, start=True)),
        "place": place(unit, lang),
        "ministry": ministry(on, lang).name,
    }
    return _pick("department", entries, on, lang, params)


def _kind(unit: Unit) -> str:
    return "city" if unit.name.casefold().startswith("thành phố") else "province"


def _keeps_generic(unit: Unit) -> bool:
    return unit.short_name in (data().get("names") or {}).get("keep_generic", [])


def in_text(unit: Unit, lang: str = "vi", start: bool = False) -> str:
    """A province as running text names it: "tỉnh An Giang", "Thành phố Hồ Chí Minh";
    en: "An Giang province", "Ho Chi Minh City". ``start``: at the start of a sentence."""
    if unit.id == NATION_ID:
        return unit.name if lang == "vi" else unit.name_en
    generic = data()["names"]["generic"][lang][_kind(unit)]
    if lang == "en":
        text = generic.format(name=unit.name_en)
    elif _keeps_generic(unit):
        text = unit.name
    else:
        text = f"{generic} {unit.short_name}"
    return text[:1].upper() + text[1:] if start else text


def place(unit: Unit, lang: str = "vi") -> str:
    """The place name of a province's documents (Decree 30): "An Giang", "Thành phố Hồ Chí
    Minh"."""
    if lang == "en":
        return unit.name_en
    return unit.name if _keeps_generic(unit) else unit.short_name
