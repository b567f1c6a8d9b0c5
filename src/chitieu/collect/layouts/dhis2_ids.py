"""What DHIS2's payloads and chitieu call the same things: identifiers, periods, kinds.

Shared by the readers of DHIS2 JSON, CSV and ADX (``collect/layouts/dhis2_json.py``,
``dhis2_csv.py``, ``adx.py``) and the writers of ``interop/`` (``dhis2.py``, ``adx.py``,
``sdmx.py``).

**Identifiers.** A data element is an indicator, an organisation unit a reporting unit, a
data set a reporting form. By default both sides use codes (``idScheme=CODE``): the
indicator's code, the unit's code (``01``: resolved by the period's end like every unit, so
``01`` is Hà Nội of the 63 provinces in 2023 and of the 34 in 2026; ``VN`` the nation), the
form's code. ``UID`` reads DHIS2's eleven-character ids through a **mapping file** (YAML or
JSON, below); ``NAME`` the indicator's or unit's name in Vietnamese or English.

**Kinds.** DHIS2 has no kind: an estimate or a plan is a category option combination
(JSON, CSV) or a category attribute (ADX) that the mapping names; by default
``ESTIMATE`` and ``PLAN``, and DHIS2's ``default`` combination for actual figures.

Mapping file::

    dataSets:      {pBOMPrpg1QX: TTTT-6T}      # DHIS2 id → form code
    dataElements:  {f7n9E0hX8qk: DT_VT}        # DHIS2 id → indicator code
    orgUnits:      {DiszpKrYNg8: "01"}         # DHIS2 id → unit code (resolved by period)
    kinds:
      estimate: {categoryOptionCombo: Xe0Est00001, option: EST}
      plan:     {categoryOptionCombo: Xe0Pln00001, option: PLAN}
    kindCategory: KIND                         # the ADX attribute that carries the kind

**Periods.** chitieu's period ids are DHIS2's (``2023``, ``2023S1``, ``2023Q2``, ``202306``);
a cumulative period (``2023YTD09``) has none in DHIS2 — ADX writes it as
``2023-01-01/P9M``, JSON and CSV leave it out with a warning. SDMX writes ``2023-S1``,
``2023-Q2``, ``2023-06``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from chitieu.catalog.periods import Period, PeriodType, parse_period
from chitieu.catalog.units import NATION_ID, Unit
from chitieu.catalog.vocabulary import Kind
from chitieu.errors import PeriodError

SCHEMES = ("CODE", "UID", "NAME")
#: DHIS2's default category option combination (its code and its UID)
DEFAULT_COMBOS = frozenset({"", "default", "HllvX50cXC0"})
_DEFAULT_KINDS = {
    str(Kind.ESTIMATE): {"categoryOptionCombo": "ESTIMATE", "option": "ESTIMATE"},
    str(Kind.PLAN): {"categoryOptionCombo": "PLAN", "option": "PLAN"},
}
_ADX_PERIOD = re.compile(r"^(\d{4})-(\d{2})-(\d{2})/P(\d+)([MY])$")


class MappingError(ValueError):
    """A mapping file that cannot be read (the message names the key and what is wrong)."""


def _str_map(raw: Any, key: str) -> dict[str, str]:
    got = raw.get(key, {}) or {}
    if not isinstance(got, dict) or not all(isinstance(v, str | int) for v in got.values()):
        raise MappingError(f"{key}: expected a mapping of DHIS2 ids to chitieu codes")
    return {str(k): str(v) for k, v in got.items()}


@dataclass(frozen=True)
class Mapping:
    """DHIS2 ids ↔ chitieu codes (see the module's doc); empty: codes on both sides."""

    data_sets: dict[str, str] = field(default_factory=dict)
    data_elements: dict[str, str] = field(default_factory=dict)
    org_units: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, dict[str, str]] = field(default_factory=lambda: dict(_DEFAULT_KINDS))
    kind_category: str = "KIND"

    @classmethod
    def load(cls, path: Path | None) -> Mapping:
        """The mapping of a YAML or JSON file (None: the default, codes only)."""
        if path is None:
            return cls()
        text = path.read_text(encoding="utf-8")
        try:
            if path.suffix.lower() == ".json":
                raw = json.loads(text)
            else:
                import yaml

                raw = yaml.safe_load(text)
        except (ValueError, ImportError) as exc:
            raise MappingError(f"{path.name}: not JSON or YAML ({exc})") from None
        return cls.of(raw or {})

    @classmethod
    def of(cls, raw: Any) -> Mapping:
        """The mapping of a parsed file."""
        if not isinstance(raw, dict):
            raise MappingError("the mapping file must hold a mapping (dataElements, orgUnits…)")
        kinds = {k: dict(v) for k, v in _DEFAULT_KINDS.items()}
        for kind, spec in (raw.get("kinds") or {}).items():
            if str(kind) not in {str(k) for k in Kind} or not isinstance(spec, dict):
                raise MappingError(f"kinds.{kind}: expected actual, estimate or plan: {{…}}")
            kinds[str(kind)] = {str(a): str(b) for a, b in spec.items()}
        return cls(
            _str_map(raw, "dataSets"),
            _str_map(raw, "dataElements"),
            _str_map(raw, "orgUnits"),
            kinds,
            str(raw.get("kindCategory") or "KIND"),
        )

    # --- chitieu → DHIS2 ---------------------------------------------------------------

    def element_id(self, indicator: str, scheme: str = "CODE", name: str = "") -> str | None:
        """The DHIS2 id of an indicator in ``scheme`` (None: the mapping has none)."""
        if scheme == "UID":
            return _reverse(self.data_elements).get(indicator)
        return name or indicator if scheme == "NAME" else indicator

    def unit_id(self, unit: Unit, scheme: str = "CODE") -> str | None:
        """The DHIS2 id of a unit in ``scheme`` (None: the mapping has none)."""
        if scheme == "UID":
            back = _reverse(self.org_units)
            return back.get(unit.id) or back.get(unit.code)
        if scheme == "NAME":
            return unit.name
        return "VN" if unit.id == NATION_ID else unit.code

    def combo(self, kind: str) -> str | None:
        """The category option combination of a kind (None: DHIS2's default)."""
        return self.kinds.get(str(kind), {}).get("categoryOptionCombo")

    def option(self, kind: str) -> str | None:
        """The ADX category option of a kind (None: an actual figure, no attribute)."""
        return self.kinds.get(str(kind), {}).get("option")

    # --- DHIS2 → chitieu ---------------------------------------------------------------

    def kind_of_combo(self, combo: str | None) -> str | None:
        """The kind a category option combination stands for (None: unknown)."""
        if combo is None or combo in DEFAULT_COMBOS:
            return str(Kind.ACTUAL)
        for kind, spec in self.kinds.items():
            if spec.get("categoryOptionCombo") == combo:
                return kind
        return None

    def kind_of_option(self, option: str | None) -> str | None:
        """The kind an ADX category option stands for (None: unknown)."""
        if option is None or option == "":
            return str(Kind.ACTUAL)
        for kind, spec in self.kinds.items():
            if spec.get("option") == option:
                return kind
        return None


def _reverse(m: dict[str, str]) -> dict[str, str]:
    """chitieu code → DHIS2 id; where several ids name one code, the first listed."""
    out: dict[str, str] = {}
    for k, v in m.items():
        out.setdefault(v, k)
    return out


# --- periods ---------------------------------------------------------------------------


def dhis2_period(p: Period) -> str | None:
    """The DHIS2 id of a period (None: DHIS2 has no cumulative period)."""
    return None if p.type == PeriodType.YTD else p.id


def adx_period(p: Period) -> str:
    """A period as ADX writes it: its first day and its length (``2023-01-01/P6M``)."""
    length = "P1Y" if p.type == PeriodType.YEAR else f"P{p.n_months}M"
    return f"{p.start.isoformat()}/{length}"


def parse_adx_period(text: str) -> Period:
    """The period of an ADX ``start/duration`` (months or a year from a month's first day);
    ValueError if chitieu has no such period."""
    m = _ADX_PERIOD.match(text.strip())
    if not m:
        raise ValueError(text)
    y, mo, d, n, unit = int(m[1]), int(m[2]), int(m[3]), int(m[4]), m[5]
    date(y, mo, d)  # a real date, else ValueError
    months = 12 * n if unit == "Y" else n
    if d != 1 or months < 1 or mo + months - 1 > 12:
        raise ValueError(text)
    last = mo + months - 1
    for candidate in _ids(y, mo, last):
        try:
            p = parse_period(candidate)
        except (ValueError, PeriodError):
            continue
        if p.first_month == mo and p.last_month == last:
            return p
    raise ValueError(text)


def _ids(y: int, first: int, last: int) -> list[str]:
    n = last - first + 1
    ids = {1: f"{y}{last:02d}", 3: f"{y}Q{last // 3}", 6: f"{y}S{last // 6}", 12: f"{y}"}
    out = [ids[n]] if n in ids else []
    return [*out, f"{y}YTD{last:02d}"] if first == 1 else out


def sdmx_period(p: Period) -> str:
    """A period as SDMX writes it (``2023``, ``2023-S1``, ``2023-Q2``, ``2023-06``; a
    cumulative period as a time range ``2023-01-01/P9M``)."""
    match p.type:
        case PeriodType.YEAR:
            return str(p.year)
        case PeriodType.HALF:
            return f"{p.year}-S{p.index}"
        case PeriodType.QUARTER:
            return f"{p.year}-Q{p.index}"
        case PeriodType.MONTH:
            return f"{p.year}-{p.last_month:02d}"
    return adx_period(p)


def number(value: float) -> str:
    """A value as DHIS2 writes it: no ``.0`` on a whole number, else the shortest form."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(value)
