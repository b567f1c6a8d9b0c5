"""Reference figures of peer countries: the shipped CSV, imported vintages and Viet Nam's store.

Every figure keeps its source. Three layers are merged: the shipped file (base), rows imported
with ``chitieu benchmark import`` (newer vintages; the newest import of a key wins) and, for
Viet Nam, the store's fact table (which wins over both).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from chitieu.analyze.facts import FactSet, facts_of_periods
from chitieu.catalog.units import NATION_ID
from chitieu.check.findings import Finding, Report
from chitieu.collect.numbers import parse_number
from chitieu.collect.reader import Table, read_table
from chitieu.errors import CatalogError, NumberFormatError
from chitieu.store.peer_refs import PeerRow, add_peer_rows, peer_rows
from chitieu.store.values import Store, best_value

from .framework import Framework, framework, is_currency

REQUIRED = (
    "country_iso3",
    "year",
    "indicator",
    "value",
    "unit",
    "source_title",
    "source_url_or_ref",
)
OPTIONAL = ("country_name", "scope_note", "retrieved_via")
#: origin ranks: the store beats imports, imports beat the shipped file
ORIGIN_RANK = {"store": 0, "import": 1, "shipped": 2}


@dataclass(frozen=True)
class RefRow:
    """One sourced figure."""

    country: str
    year: int
    input: str
    value: float
    unit: str
    scope_note: str
    source_title: str
    source_url: str
    retrieved_via: str
    origin: str  # shipped | import | store
    row: int | None = None  # row in its file
    batch: int | None = None  # import batch
    kind: str | None = None  # store figures: actual | estimate

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (source always included)."""
        return {k: v for k, v in asdict(self).items() if v not in (None, "")}


def shipped_file() -> Path:
    """The shipped reference CSV."""
    return Path(str(resources.files("chitieu.benchmark") / "data" / "publishing_reference.csv"))


def _text(v: Any) -> str:
    return unicodedata.normalize("NFC", str(v).strip()) if v not in (None, "") else ""


def check_table(table: Table, fw: Framework, origin: str = "import") -> tuple[Report, list[RefRow]]:
    """Check every row of a reference table; return all findings and the valid rows."""
    rep = Report()
    rep.stats["rows"] = len(table.rows)
    where: dict[str, Any] = {"file": table.file, "sheet": table.sheet}
    col = {h: i for i, h in enumerate(table.header)}
    missing = [c for c in REQUIRED if c not in col]
    for c in missing:
        rep.add(
            Finding(
                "ref-missing-column",
                column=c,
                params={"required": ",".join(REQUIRED), "optional": ",".join(OPTIONAL)},
                **where,
            )
        )
    if missing:
        return rep, []
    if not table.rows:
        rep.add(Finding("empty-file", **where))
        return rep, []
    rows: list[RefRow] = []
    seen: dict[tuple[Any, ...], int] = {}
    for n, cells in table.rows:
        row = _check_row(n, cells, col, fw, rep, where, seen, origin)
        if row is not None:
            rows.append(row)
    return rep, rows


def _check_row(
    n: int,
    cells: list[Any],
    col: dict[str, int],
    fw: Framework,
    rep: Report,
    where: dict[str, Any],
    seen: dict[tuple[Any, ...], int],
    origin: str,
) -> RefRow | None:
    """Row ``n`` of a reference table checked (its findings in ``rep``); the row if valid."""
    before = rep.errors

    def cell(name: str) -> Any:
        i = col.get(name)
        return cells[i] if i is not None and i < len(cells) else None

    def bad(type_: str, column: str, value: Any = None, **params: Any) -> None:
        rep.add(Finding(type_, value=value, row=n, column=column, params=params, **where))

    for c in REQUIRED:
        if cell(c) in (None, ""):
            bad("ref-missing-source" if c.startswith("source") else "missing-value", c)
    iso3, code, unit = (
        _text(cell("country_iso3")),
        _text(cell("indicator")),
        _text(cell("unit")),
    )
    if iso3 and iso3 not in fw.countries:
        bad("ref-unknown-country", "country_iso3", iso3, codes=", ".join(fw.countries))
    year = _year(cell("year"), bad)
    _check_input(code, unit, fw, bad)
    value = _value(cell("value"), code, unit, bad)
    via = _text(cell("retrieved_via"))
    if via and via not in fw.retrieved_via:
        bad("ref-bad-retrieved-via", "retrieved_via", via, codes=", ".join(fw.retrieved_via))
    key = (
        iso3,
        year,
        code,
        unit,
        value,
        _text(cell("scope_note")),
        _text(cell("source_title")),
    )
    if key in seen:
        bad("ref-duplicate-row", "", f"{iso3}/{year}/{code}", first_row=seen[key])
    seen.setdefault(key, n)
    if rep.errors != before or year is None or value is None:
        return None
    return RefRow(
        iso3,
        year,
        code,
        value,
        unit,
        _text(cell("scope_note")),
        _text(cell("source_title")),
        _text(cell("source_url_or_ref")),
        via,
        origin,
        n,
    )


def _year(raw: Any, bad: Callable[..., None]) -> int | None:
    """The year of a year cell (1950–2100, whole), or None (told, unless empty)."""
    if raw in (None, ""):
        return None
    try:
        year = int(parse_number(raw, "en").value)
        if not 1950 <= year <= 2100 or year != parse_number(raw, "en").value:
            raise ValueError
    except (NumberFormatError, ValueError):
        bad("ref-bad-year", "year", raw)
        return None
    return year


def _check_input(code: str, unit: str, fw: Framework, bad: Callable[..., None]) -> None:
    """The input a row names is declared, and its unit is one the input allows."""
    if code and code not in fw.inputs:
        bad("ref-unknown-input", "indicator", code, codes=", ".join(fw.inputs))
    elif code and unit and not fw.unit_allowed(code, unit):
        allowed = [
            "<ISO 4217 code> million" if u == "currency" else u for u in fw.inputs[code]["units"]
        ]
        bad("ref-bad-unit", "unit", unit, indicator=code, allowed=", ".join(allowed))


def _value(raw: Any, code: str, unit: str, bad: Callable[..., None]) -> float | None:
    """The value of a value cell (None if empty or unreadable), told if negative or a share
    above 100 %."""
    value = None
    if raw not in (None, ""):
        try:
            value = parse_number(raw, "en").value
        except NumberFormatError as exc:
            bad("ref-bad-number", "value", raw, reason=exc.message)
    if value is not None and value < 0:
        bad("ref-negative", "value", value, indicator=code)
    if value is not None and unit == "%" and value > 100:
        bad("ref-share-range", "value", value)
    return value


@cache
def shipped_rows() -> tuple[RefRow, ...]:
    """The shipped reference figures (the file is checked like an import)."""
    rep, rows = check_table(read_table(shipped_file()), framework(), origin="shipped")
    if not rep.valid:  # pragma: no cover - the shipped file is tested
        raise CatalogError(f"shipped reference data is invalid:\n{rep.to_json()}", "reinstall")
    return tuple(rows)


@dataclass
class ImportResult:
    """What ``import_reference`` checked and wrote."""

    file: str
    report: Report
    rows: list[RefRow]
    written: int
    batch: int | None


def import_reference(
    path: Path,
    store: Store | None,
    *,
    created_by: str,
    dry_run: bool = False,
    sheet: str | None = None,
) -> ImportResult:
    """Check a reference file; if it is wholly valid (and not a dry run), store its rows."""
    table = read_table(path, sheet)
    rep, rows = check_table(table, framework())
    if not rep.valid or dry_run or store is None:
        return ImportResult(table.file, rep, rows, 0, None)
    batch_id = add_peer_rows(
        store,
        [
            PeerRow(
                r.country,
                r.year,
                r.input,
                r.value,
                r.unit,
                r.scope_note or None,
                r.source_title,
                r.source_url,
                r.retrieved_via or None,
                r.row,
            )
            for r in rows
        ],
        filename=table.file,
        sha256=table.sha256,
        created_by=created_by,
    )
    return ImportResult(table.file, rep, rows, len(rows), batch_id)


def imported_rows(store: Store, as_of: datetime | None = None) -> list[RefRow]:
    """Figures imported into the store (by ``as_of`` if given), newest batch first."""
    return [
        RefRow(
            r.country_iso3,
            r.year,
            r.indicator,
            r.value,
            r.unit,
            r.scope_note or "",
            r.source_title,
            r.source_url_or_ref,
            r.retrieved_via or "",
            "import",
            r.row,
            r.batch_id,
        )
        for r in peer_rows(store, as_of)
    ]


#: Viet Nam's fact sets of some year periods: (period ids, indicator codes) → period → facts
VnFacts = Callable[[list[str], list[str]], Mapping[str, FactSet]]


def store_rows(
    store: Store,
    years: list[int],
    fw: Framework,
    facts: VnFacts | None = None,
    as_of: datetime | None = None,
) -> list[RefRow]:
    """Viet Nam's figures from the fact table (year periods, as of a time if given), with
    their stored sources."""
    codes = list(fw.store_inputs)
    out: list[RefRow] = []
    ids = [str(y) for y in years]
    read = facts or (lambda ids, codes: facts_of_periods(store, ids, as_of=as_of, indicators=codes))
    by_year = read(ids, codes)
    for y in years:
        nation = {
            f.indicator: f for f in by_year[str(y)] if f.unit == NATION_ID and f.value is not None
        }
        if not nation:
            continue
        obs = best_value(store.current([str(y)], indicators=codes, units=[NATION_ID], as_of=as_of))
        for code, fact in nation.items():
            spec = fw.store_inputs[code]
            o = obs.get((code, NATION_ID, str(y)))
            source = (o.comment if o and o.comment else None) or "chitieu store"
            title, _, url = source.partition(" <")
            out.append(
                RefRow(
                    fw.store_country,
                    y,
                    spec["input"],
                    fact.value * spec["factor"],
                    spec["unit"],
                    f"chitieu store: {code}/{NATION_ID}/{y} ({fact.kind}, {fact.status})",
                    title.strip(),
                    url.rstrip(">").strip() or f"chitieu store {store.url}",
                    "",  # the stored comment names the source; it ranks as the store layer
                    "store",
                    kind=fact.kind,
                )
            )
    return out


class ReferenceData:
    """All figures, with the rule that picks the figure for a country × input × year × unit."""

    def __init__(self, rows: list[RefRow], fw: Framework) -> None:
        self.fw = fw
        self.rows = rows
        self._by_key: dict[tuple[str, str, int], list[tuple[tuple[Any, ...], RefRow]]] = {}
        pref = {v: i for i, v in enumerate(fw.source_preference)}
        from_store = {(r.country, r.input, r.year) for r in rows if r.origin == "store"}
        for order, r in enumerate(rows):
            if self.excluded(r):
                continue
            if r.origin != "store" and (r.country, r.input, r.year) in from_store:
                continue  # Viet Nam's own figures come from the store when it has them
            rank = (ORIGIN_RANK[r.origin], -(r.batch or 0), pref.get(r.retrieved_via, 9), order)
            self._by_key.setdefault((r.country, r.input, r.year), []).append((rank, r))
        for lst in self._by_key.values():
            lst.sort(key=lambda x: x[0])

    def excluded(self, r: RefRow) -> bool:
        """Rows that are not the headline concept (SUBSET, DIFFERENT SCOPE, …)."""
        return any(m in r.scope_note for m in self.fw.exclude_markers)

    def caution(self, r: RefRow) -> bool:
        """Rows the source qualifies (approximate, lower bound, conflicting, …)."""
        note = r.scope_note.lower()
        return r.kind == "estimate" or any(m.lower() in note for m in self.fw.caution_markers)

    def unit_matches(self, unit: str, units: tuple[str, ...]) -> bool:
        """Whether ``unit`` is one of ``units`` (the word 'currency' matches any currency)."""
        return unit in units or ("currency" in units and is_currency(unit, self.fw.currencies))

    def candidates(
        self, country: str, input_: str, year: int, units: tuple[str, ...]
    ) -> list[RefRow]:
        """Eligible rows of a country × input × year, best first, in one of ``units``."""
        return [
            r
            for _, r in self._by_key.get((country, input_, year), [])
            if self.unit_matches(r.unit, units)
        ]


def load_reference(
    store: Store | None,
    years: list[int],
    fw: Framework | None = None,
    facts: VnFacts | None = None,
    as_of: datetime | None = None,
) -> ReferenceData:
    """Shipped, imported and (for Viet Nam) stored figures, merged (the store's as they stood
    at ``as_of`` if given). ``facts`` gives Viet Nam's fact sets of year periods (default:
    read from the store's fact table)."""
    fw = fw or framework()
    rows = list(shipped_rows())
    if store is not None:
        rows = store_rows(store, years, fw, facts, as_of) + imported_rows(store, as_of) + rows
    return ReferenceData(rows, fw)
