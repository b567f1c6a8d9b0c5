"""Reporting units (nation, 63 old and 34 new provinces) with validity across the 2025 merger.

Province codes, names and the 63→34 crosswalk come from the data files shipped with the
``vietnamadminunits`` package (read directly with sqlite3/json; the module is not imported).
"""

from __future__ import annotations

import difflib
import json
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import as_file, files
from importlib.resources.abc import Traversable
from importlib.util import find_spec
from pathlib import Path

from chitieu.catalog.vocabulary import LAST_OLD_DAY, MERGER_DATE, NATION_ID
from chitieu.errors import CatalogError, UnitError

__all__ = ["LAST_OLD_DAY", "MERGER_DATE", "NATION_ID", "Unit", "UnitRegistry", "registry"]

#: Extra spellings (normalised, spaces removed) → provinceKey; the dataset's own
#: provinceAlias/provinceKeywords (e.g. "hn", "hcm", "vungtau") are added to these.
EXTRA_ALIASES: dict[str, str] = {
    "tphcm": "thanhphohochiminh",
    "hcmc": "thanhphohochiminh",
    "saigon": "thanhphohochiminh",
    "hochiminhcity": "thanhphohochiminh",
    "thuathienhue": "thanhphohue",
}
#: English names that are not the unaccented short name (the cities' official English names).
EN_NAMES: dict[str, str] = {"Hồ Chí Minh": "Ho Chi Minh City", "Huế": "Hue City"}
#: Names of the nation (normalised, spaces removed).
NATION_ALIASES = ("vietnam", "toanquoc", "canuoc", "vn")

_PREFIXES = ("thanh pho ", "tinh ", "tp.", "tp ", "t.")
_DASHES = re.compile(r"[\s\-_\u2010-\u2015\u2212]+")
_PUNCT = re.compile(r"[.,;:'\"()]")
_ID = re.compile(r"(\d{2})@(63|34)")


@dataclass(frozen=True)
class Unit:
    """A reporting unit: the nation or a province of the 63- or 34-province system."""

    id: str
    code: str
    name: str
    short_name: str
    name_en: str
    level: int
    parent: str | None
    valid_from: date | None
    valid_to: date | None
    system: str

    def label(self, lang: str = "vi", short: bool = True) -> str:
        """The unit's name as a text in ``lang`` writes it: its English name in English
        ("Ho Chi Minh City"), else its short name ("An Giang"), or its full name if not
        ``short`` ("Tỉnh An Giang"). Every output that names a unit in a sentence uses it."""
        if lang == "en":
            return self.name_en
        return self.short_name if short else self.name

    def valid_on(self, d: date) -> bool:
        """Whether the unit exists on date ``d`` (both bounds inclusive)."""
        return (self.valid_from is None or d >= self.valid_from) and (
            self.valid_to is None or d <= self.valid_to
        )


def strip_diacritics(text: str) -> str:
    """Remove Vietnamese diacritics (đ→d), keeping case."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def normalise_name(text: str) -> str:
    """Matching form of a name: casefolded, unaccented, prefix-free, single-spaced."""
    s = strip_diacritics(unicodedata.normalize("NFC", text).casefold())
    s = _DASHES.sub(" ", s).strip()
    for prefix in _PREFIXES:
        if s.startswith(prefix):
            s = s[len(prefix) :]
            break
    return _DASHES.sub(" ", _PUNCT.sub(" ", s)).strip()


def _key(text: str) -> str:
    """Compact matching key: the normalised name without spaces."""
    return normalise_name(text).replace(" ", "")


def _nfc(value: str | None) -> str:
    """NFC-normalise a possibly-missing string."""
    return unicodedata.normalize("NFC", value or "")


def _json_list(value: str | None) -> list[str]:
    """Parse a JSON list column, tolerating NULL/empty."""
    return [_nfc(v) for v in json.loads(value)] if value else []


def _data_dir() -> Traversable:
    """The vietnamadminunits data folder, found without running the (slow) package import."""
    spec = find_spec("vietnamadminunits")
    if spec is None:
        raise CatalogError("vietnamadminunits is not installed", "pip install vietnamadminunits")
    if spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations))) / "data"
    return files("vietnamadminunits") / "data"


@cache
def _load() -> tuple[dict[str, list[tuple[str, ...]]], dict[str, list[str]]]:
    """Read province rows of both systems and the 2025 converter from vietnamadminunits."""
    data = _data_dir()
    cols = "provinceCode, province, provinceShort, provinceKey, provinceAlias, provinceKeywords"
    rows: dict[str, list[tuple[str, ...]]] = {}
    with as_file(data / "dataset.db") as db_path:
        con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            for system, table in (("63", "admin_units_legacy"), ("34", "admin_units")):
                found = con.execute(f"SELECT DISTINCT {cols} FROM {table} ORDER BY 1").fetchall()
                rows[system] = [tuple(_nfc(v) for v in r[:4]) + tuple(r[4:]) for r in found]
        finally:
            con.close()
    converter = json.loads((data / "converter_2025.json").read_text(encoding="utf-8"))
    return rows, {_nfc(k): [_nfc(o) for o in v] for k, v in converter["DICT_PROVINCE"].items()}


class UnitRegistry:
    """All reporting units, with name/code resolution by date and the 63→34 crosswalk."""

    def __init__(self) -> None:
        rows, converter = _load()
        if len(rows["63"]) != 63 or len(rows["34"]) != 34:
            raise CatalogError(
                "unexpected province counts in vietnamadminunits data",
                f"got {len(rows['63'])} old and {len(rows['34'])} new provinces",
            )
        nation = Unit(NATION_ID, "VN", "Việt Nam", "Toàn quốc", "Viet Nam", 0, None, None, None,
                      "nation")  # fmt: skip
        self._units: dict[str, Unit] = {NATION_ID: nation}
        self._by_key: dict[tuple[str, str], Unit] = {}
        self._names: dict[str, list[Unit]] = {k: [nation] for k in NATION_ALIASES}
        for system, (start, end) in (("63", (None, LAST_OLD_DAY)), ("34", (MERGER_DATE, None))):
            for code, name, short, pkey, alias, keywords in rows[system]:
                en = EN_NAMES.get(short) or strip_diacritics(short)
                unit = Unit(f"{code}@{system}", code, name, short, en, 1, NATION_ID, start, end,
                            system)  # fmt: skip
                self._units[unit.id] = unit
                self._by_key[(system, pkey)] = unit
                spellings = {name, short, pkey, *_json_list(alias), *_json_list(keywords)}
                spellings |= {a for a, k in EXTRA_ALIASES.items() if k == pkey}
                for key in {_key(s) for s in spellings}:
                    self._names.setdefault(key, []).append(unit)
        self._successor: dict[str, Unit] = {}
        for new_key, old_keys in converter.items():
            new = self._by_key[("34", new_key)]
            for old_key in old_keys:
                old_id = self._by_key[("63", old_key)].id
                if old_id in self._successor:
                    raise CatalogError(f"{old_id} maps to two new provinces", "check converter")
                self._successor[old_id] = new
        if len(self._successor) != 63:
            raise CatalogError("crosswalk does not cover all 63 old provinces", "check converter")
        # the registry does not change once built: its order, and each day's provinces (every
        # save asks for them), are kept
        order = {"nation": 0, "63": 1, "34": 2}
        self._all = sorted(self._units.values(), key=lambda u: (order[u.system], u.code))
        self._provinces: dict[date, list[Unit]] = {}

    def all(self) -> list[Unit]:
        """Every unit: the nation, then the 63-set, then the 34-set, each by code."""
        return list(self._all)

    def get(self, unit_id: str) -> Unit:
        """The unit with this id, e.g. ``"80@63"``; UnitError if unknown."""
        try:
            return self._units[unit_id]
        except KeyError:
            raise UnitError(code="unit-unknown-id", text=unit_id) from None

    def units(self, as_of: date | None = None) -> list[Unit]:
        """All units, or only those valid on ``as_of`` (nation included)."""
        return [u for u in self.all() if as_of is None or u.valid_on(as_of)]

    def provinces(self, as_of: date) -> list[Unit]:
        """The provinces valid on ``as_of``."""
        if as_of not in self._provinces:
            self._provinces[as_of] = [u for u in self.units(as_of) if u.level == 1]
        return list(self._provinces[as_of])

    def resolve(self, text: str, on: date) -> Unit:
        """The unit meant by an id, code or name, for a period ending on ``on``."""
        raw = unicodedata.normalize("NFC", text).strip()
        if raw in self._units:
            return self._check_valid(self._units[raw], on)
        if raw.upper() == NATION_ID:
            return self._units[NATION_ID]
        if re.fullmatch(r"[0-9]{1,2}", raw):
            return self._by_code(raw.zfill(2), on)
        candidates = self._names.get(_key(raw), [])
        valid = [u for u in candidates if u.valid_on(on)]
        if len(valid) == 1:
            return valid[0]
        if len(valid) > 1:
            ids = ", ".join(u.id for u in valid)
            raise UnitError(code="unit-ambiguous", text=text, on=on, ids=ids)
        if candidates:
            return self._check_valid(candidates[0], on)
        names = self._close_names(raw)
        if names:
            raise UnitError(code="unit-unknown-name", text=text, names=names)
        raise UnitError(code="unit-unknown-name-far", text=text)

    def _by_code(self, code: str, on: date) -> Unit:
        """The unit of a two-digit province code valid on ``on`` (the code's first, if none)."""
        same_code = [u for u in self.all() if u.code == code]
        if not same_code:
            codes = ", ".join(u.code for u in self.provinces(on))
            raise UnitError(code="unit-unknown-code", text=code, on=on, codes=codes)
        for unit in same_code:
            if unit.valid_on(on):
                return unit
        return self._check_valid(same_code[0], on)

    def _check_valid(self, unit: Unit, on: date) -> Unit:
        """Return ``unit`` if valid on ``on``, else raise UnitError explaining the merger."""
        if unit.valid_on(on):
            return unit
        if unit.valid_to is not None and on > unit.valid_to:
            new = self.successor(unit.id)
            raise UnitError(
                code="unit-merged",
                unit=f"{unit.name} ({unit.id})",
                short=unit.short_name,
                new=f"{new.name} ({new.id})",
                on=on,
                to=unit.valid_to,
                since=new.valid_from,
            )
        olds = ", ".join(f"{p.name} ({p.id})" for p in self.predecessors(unit.id))
        raise UnitError(
            code="unit-not-yet",
            unit=f"{unit.name} ({unit.id})",
            olds=olds,
            on=on,
            last_old_day=LAST_OLD_DAY,
            since=unit.valid_from,
        )

    def _close_names(self, text: str) -> str:
        """The known units' names closest to ``text`` ("" if none is close)."""
        choices: dict[str, str] = {"viet nam": "Việt Nam"}
        for unit in self.all()[1:]:
            choices.setdefault(normalise_name(unit.name), unit.short_name)
        close = difflib.get_close_matches(normalise_name(text), list(choices), n=5, cutoff=0.6)
        return ", ".join(dict.fromkeys(choices[c] for c in close))

    def successor(self, unit_id: str) -> Unit:
        """The 34-set unit that absorbed a 63-set unit (identity for 34-set units and VN)."""
        unit = self.get(unit_id)
        return self._successor[unit.id] if unit.system == "63" else unit

    def predecessors(self, unit_id: str) -> list[Unit]:
        """The 63-set units a 34-set unit was formed from (``[unit]`` for other units)."""
        unit = self.get(unit_id)
        if unit.system != "34":
            return [unit]
        return sorted(
            (self._units[old] for old, new in self._successor.items() if new.id == unit.id),
            key=lambda u: u.code,
        )

    def crosswalk(self) -> list[tuple[str, str]]:
        """The 63 (old_id, new_id) pairs, ordered by old code."""
        return sorted((old, new.id) for old, new in self._successor.items())

    def on_boundaries(self, unit_id: str, system: str) -> str:
        """The id of the unit of ``system`` ("nation", "63" or "34") containing ``unit_id``."""
        unit = self.get(unit_id)
        if system == unit.system:
            return unit.id
        if system == "nation":
            return NATION_ID
        if system == "34" and unit.system == "63":
            return self.successor(unit.id).id
        if system == "63" and unit.system == "34":
            olds = self.predecessors(unit.id)
            if len(olds) == 1:
                return olds[0].id
            raise UnitError(
                code="unit-spans",
                unit=f"{unit.name} ({unit.id})",
                n=len(olds),
                ids=", ".join(u.id for u in olds),
            )
        raise UnitError(code="unit-no-system", system=system, unit=unit.id)


@cache
def registry() -> UnitRegistry:
    """The shared, lazily built unit registry."""
    return UnitRegistry()
