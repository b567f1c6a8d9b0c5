"""A DHIS2 data value's ids read as chitieu's: period, indicator, unit, kind and value, or the
conflict DHIS2 2.43 would report (its error code: E8100 period, E8102/E8103 data element,
E8105/E8107 org unit, E2019 a unit closed for the period, E8108/E8110 category or attribute
option combination, E8120 no value, E8122 not a number, E8125 comment too long).

Ids are read in the import's schemes (``idScheme``, or ``dataElementIdScheme`` /
``orgUnitIdScheme`` where given): CODE (chitieu's codes: the default), UID (through the
mapping file), NAME (the indicator's or unit's name, Vietnamese or English). A unit is
resolved at its period's end like every unit (``01`` is Hà Nội of 63 provinces in 2023 and
of 34 in 2026).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import Any

from chitieu.catalog.indicators import catalog
from chitieu.catalog.periods import Period, parse_period
from chitieu.catalog.units import registry
from chitieu.collect.layouts.dhis2_ids import SCHEMES, Mapping
from chitieu.collect.layouts.dhis2_payload import Conflict, RawValue, truthy
from chitieu.errors import PeriodError, UnitError

STRATEGIES = ("CREATE_AND_UPDATE", "CREATE", "UPDATE", "DELETE")


@dataclass(frozen=True)
class ImportOptions:
    """DHIS2's import options (a payload's own override the query's)."""

    id_scheme: str = "CODE"
    element_scheme: str | None = None
    unit_scheme: str | None = None
    dry_run: bool = False
    strategy: str = "CREATE_AND_UPDATE"
    atomic: bool = True

    @classmethod
    def of(cls, *sources: dict[str, Any]) -> ImportOptions:
        """Options from the query, then the payload (later sources win)."""
        got: dict[str, Any] = {}
        for src in sources:
            got.update({k: v for k, v in src.items() if v is not None and v != ""})
        up = {
            k: str(got[k]).upper()
            for k in ("idScheme", "dataElementIdScheme", "orgUnitIdScheme", "importStrategy")
            if k in got
        }
        for k, v in up.items():
            allowed = STRATEGIES if k == "importStrategy" else SCHEMES
            if v not in allowed:
                raise ValueError(f"{k}={v}: expected one of {', '.join(allowed)}")
        return cls(
            up.get("idScheme", "CODE"),
            up.get("dataElementIdScheme"),
            up.get("orgUnitIdScheme"),
            truthy(got.get("dryRun", False)),
            up.get("importStrategy", "CREATE_AND_UPDATE"),
            truthy(got.get("atomic", True)),
        )

    def to_dict(self) -> dict[str, Any]:
        """DHIS2's ``importOptions``."""
        schemes = {
            "dataElementIdScheme": self.element_scheme or self.id_scheme,
            "orgUnitIdScheme": self.unit_scheme or self.id_scheme,
            "idScheme": self.id_scheme,
        }
        return {
            "idSchemes": schemes,
            "dryRun": self.dry_run,
            "async": False,
            "importStrategy": self.strategy,
            "atomic": self.atomic,
        }


def _fold(name: str) -> str:
    return unicodedata.normalize("NFC", name).strip().casefold()


@dataclass
class Resolved:
    """A value read as chitieu's: its key and value (None: a deletion), its comment."""

    index: int
    indicator: str
    unit: str
    period: str
    kind: str
    value: float | None
    comment: str | None


class Resolver:
    """Reads the values of a payload in the import's schemes."""

    def __init__(self, mapping: Mapping, options: ImportOptions, max_comment: int = 2000):
        self.mapping, self.options, self.max_comment = mapping, options, max_comment
        self.cat, self.units = catalog(), registry()
        self._names = {_fold(t): i.code for i in self.cat for t in (i.name.vi, i.name.en)}

    def conflict(
        self, rv: RawValue, err: str, prop: str, obj: str | None, code: str, **params: Any
    ) -> Conflict:
        """A value-level conflict of ``rv``."""
        o = obj or ""
        return Conflict(
            err,
            o,
            {prop: o} if o else {},
            prop,
            [rv.index],
            code,
            {"index": rv.index, "place": rv.place, "id": o, **params},
        )

    def resolve(self, rv: RawValue) -> Resolved | Conflict:
        """``rv`` read, or its first conflict."""
        p = self.period(rv)
        if isinstance(p, Conflict):
            return p
        steps = (self.element(rv), self.unit(rv, p), self.kind(rv), self.value(rv))
        for got in steps:
            if isinstance(got, Conflict):
                return got
        ind, unit, kind, value = steps
        if rv.comment and len(rv.comment) > self.max_comment:
            return self.conflict(
                rv,
                "E8125",
                "comment",
                str(ind),
                "dhis2-comment-long",
                limit=self.max_comment,
                length=len(rv.comment),
            )
        return Resolved(rv.index, ind, unit, p.id, kind, value, rv.comment)  # type: ignore[arg-type]

    def period(self, rv: RawValue) -> Period | Conflict:
        """The period (E8100: missing or not one chitieu has)."""
        text = rv.period_id or rv.period
        if rv.period is not None and rv.period_id is None and "/" in rv.period:
            text = None  # an ADX period that is no period of chitieu's
        try:
            if text is None:
                raise ValueError
            return parse_period(text)
        except (ValueError, PeriodError):
            return self.conflict(rv, "E8100", "period", rv.period, "dhis2-period")

    def element(self, rv: RawValue) -> str | Conflict:
        """The indicator (E8102: missing; E8103: not found or computed)."""
        de = rv.data_element
        if de is None:
            return self.conflict(rv, "E8102", "dataElement", None, "dhis2-element-missing")
        scheme = self.options.element_scheme or self.options.id_scheme
        code: str | None = de
        if scheme == "UID":
            code = self.mapping.data_elements.get(de)
        elif scheme == "NAME":
            code = self._names.get(_fold(de))
        if code is None or code not in self.cat:
            return self.conflict(
                rv, "E8103", "dataElement", de, "dhis2-element-unknown", scheme=scheme
            )
        if self.cat.get(code).is_derived:
            return self.conflict(rv, "E8103", "dataElement", de, "dhis2-element-derived")
        return code

    def unit(self, rv: RawValue, p: Period) -> str | Conflict:
        """The unit at the period's end (E8105 missing; E8107 unknown; E2019 closed)."""
        ou = rv.org_unit
        if ou is None:
            return self.conflict(rv, "E8105", "orgUnit", None, "dhis2-unit-missing")
        scheme = self.options.unit_scheme or self.options.id_scheme
        text: str | None = ou
        if scheme == "UID":
            text = self.mapping.org_units.get(ou)
            if text is None:
                return self.conflict(
                    rv,
                    "E8107",
                    "orgUnit",
                    ou,
                    "dhis2-unit-unknown",
                    scheme=scheme,
                    why={"vi": "", "en": ""},
                )
        try:
            return self.units.resolve(text or "", p.end).id
        except UnitError as exc:
            closed = exc.code in ("unit-merged", "unit-not-yet")
            return self.conflict(
                rv,
                "E2019" if closed else "E8107",
                "orgUnit",
                ou,
                "dhis2-unit-closed" if closed else "dhis2-unit-unknown",
                scheme=scheme,
                why={"vi": exc.text("vi")[0], "en": exc.text("en")[0]},
            )

    def kind(self, rv: RawValue) -> str | Conflict:
        """The kind, from the category option combination or the ADX category (E8108)."""
        m = self.mapping
        if rv.categories:
            extra = {k: v for k, v in rv.categories.items() if k != m.kind_category}
            if extra:
                k, v = next(iter(extra.items()))
                return self.conflict(
                    rv, "E8108", "categoryOptionCombo", f"{k}={v}", "dhis2-combo-unknown"
                )
            kind = m.kind_of_option(rv.categories.get(m.kind_category))
            combo = rv.categories.get(m.kind_category)
        else:
            kind, combo = m.kind_of_combo(rv.category_option_combo), rv.category_option_combo
        if kind is None:
            return self.conflict(rv, "E8108", "categoryOptionCombo", combo, "dhis2-combo-unknown")
        aoc = rv.attribute_option_combo
        if m.kind_of_combo(aoc) != "actual":
            return self.conflict(rv, "E8110", "attributeOptionCombo", aoc, "dhis2-aoc-unknown")
        return kind

    def value(self, rv: RawValue) -> float | Conflict | None:
        """The number (None: a deletion; E8120 none given; E8122 not a number)."""
        if rv.deleted or self.options.strategy == "DELETE":
            return None
        raw = rv.value
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return self.conflict(rv, "E8120", "value", rv.data_element, "dhis2-value-missing")
        try:
            if isinstance(raw, bool):
                raise ValueError
            number = float(str(raw).strip()) if not isinstance(raw, int | float) else float(raw)
            if not math.isfinite(number):
                raise ValueError
        except ValueError:
            return self.conflict(
                rv, "E8122", "value", rv.data_element, "dhis2-value-type", value=str(raw)[:100]
            )
        return number
