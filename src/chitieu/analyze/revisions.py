"""Revisions: every vintage of a figure, its releases, a revision triangle, a note for reports.

A stored figure's vintages come from ``Store.history``. A figure the review *computes* — the
national total summed from the provinces, a year rolled up from its halves — has no vintages of
its own, so its releases are read from the fact table as it stood after each write that touched
it (``analyze.facts(store, period, as_of=...)``), with the number of units that made it. The
triangle lays releases (columns) against reference periods (rows); mean revision and mean
absolute revision compare each period's first complete release with its latest (OSR/OECD
revision analysis).
"""

from __future__ import annotations

import statistics
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

from chitieu.analyze.facts import Boundaries, facts
from chitieu.catalog.datafiles import load_yaml
from chitieu.catalog.forms import forms
from chitieu.catalog.indicators import catalog
from chitieu.catalog.instants import iso
from chitieu.catalog.periods import Period, parse_period, periods_within
from chitieu.catalog.units import NATION_ID, registry
from chitieu.catalog.vocabulary import local_date
from chitieu.store.history import Touch, batches_touching, stored_periods, units_with_values
from chitieu.store.published import report_moves
from chitieu.store.values import Observation, Store


@dataclass
class Release:
    """The figure as a review would have shown it after one write, and how far it moved."""

    at: datetime
    value: float | None
    kind: str | None
    units: int  # stored units behind it
    batch_id: int
    source: str | None
    created_by: str
    #: revision against the previous release with a value, and against the first release
    #: (this value minus that one, and in % of that one); None for the first
    vs_previous: float | None = None
    vs_previous_pct: float | None = None
    vs_first: float | None = None
    vs_first_pct: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the time in ISO 8601 with its offset)."""
        return {**asdict(self), "at": iso(self.at)}


def revision(new: float | None, old: float | None) -> tuple[float | None, float | None]:
    """(new − old, the same in % of old) — None where either is missing (% also when old is
    0). Rounded to the precision a figure can carry (no 1e-12 residue of floats)."""
    if new is None or old is None:
        return None, None
    diff = round(new - old, 9)
    return diff, (round(100 * diff / abs(old), 6) if old else None)


def _measure(rel: list[Release]) -> list[Release]:
    """Each release's revision against the previous release with a value and the first."""
    first: float | None = None
    prev: float | None = None
    for r in rel:
        if r.value is None:
            continue
        if first is not None:
            r.vs_previous, r.vs_previous_pct = revision(r.value, prev)
            r.vs_first, r.vs_first_pct = revision(r.value, first)
        else:
            first = r.value
        prev = r.value
    return rel


@dataclass
class Revisions:
    """Vintages and releases of one figure."""

    indicator: str
    unit: str
    period: str
    vintages: list[Observation] = field(default_factory=list)
    releases: list[Release] = field(default_factory=list)

    def complete(self) -> list[Release]:
        """Releases with a value and full coverage (as many units as the latest)."""
        if not self.releases:
            return []
        n = self.releases[-1].units
        return [r for r in self.releases if r.value is not None and r.units >= n]

    @property
    def first(self) -> Release | None:
        """The first release with a value (always kept, whatever its coverage)."""
        return next((r for r in self.releases if r.value is not None), None)

    @property
    def latest(self) -> Release | None:
        """The newest release with a value."""
        return next((r for r in reversed(self.releases) if r.value is not None), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (times in ISO 8601 with their offset)."""
        first, latest = self.first, self.latest
        total = revision(latest.value if latest else None, first.value if first else None)
        return {
            "indicator": self.indicator,
            "unit": self.unit,
            "period": self.period,
            "vintages": [_vintage(o) for o in self.vintages],
            "releases": [r.to_dict() for r in self.releases],
            "first": first.to_dict() if first else None,
            "latest": latest.to_dict() if latest else None,
            "revision": total[0],
            "revision_pct": total[1],
        }


def _vintage(o: Observation) -> dict[str, Any]:
    skip = ("indicator", "unit", "period")
    return {
        **{k: v for k, v in asdict(o).items() if k not in skip},
        "created_at": iso(o.created_at),
    }


def _relevant_units(unit: str) -> list[str] | None:
    """Stored units whose values can change ``unit``'s figure (None: any unit)."""
    if unit == NATION_ID:
        return None
    reg = registry()
    return sorted({unit, *(u.id for u in reg.predecessors(unit))})


def _boundaries(unit: str) -> Boundaries:
    if unit == NATION_ID or registry().get(unit).system == "34":
        return Boundaries.CURRENT
    return Boundaries.AS_REPORTED


def releases(
    store: Store, indicator: str, unit: str, period: str, as_of: datetime | None = None
) -> list[Release]:
    """The figure after each write that changed it (value or kind), oldest first (those
    recorded by ``as_of`` if given), each with its revisions."""
    p = parse_period(period)
    ind = catalog().get(indicator)
    codes = [ind.code, *ind.operands]
    units = _relevant_units(unit)
    out: list[Release] = []
    for t in _instants(store, codes, [q.id for q in periods_within(p)], units, as_of):
        at = t.at
        f = facts(store, p, _boundaries(unit), as_of=at, indicators=[ind.code]).get(ind.code, unit)
        value, kind = (f.value, f.kind) if f else (None, None)
        if out and (out[-1].value, out[-1].kind) == (value, kind):
            continue
        out.append(Release(at, value, kind, _coverage(store, ind.code, p, unit, units, at),
                           t.batch_id, t.source, t.created_by))  # fmt: skip
    return _measure(out)


def _instants(store: Store, codes: list[str], periods: list[str], units: list[str] | None,
              as_of: datetime | None) -> list[Touch]:  # fmt: skip
    """The instants the figure may have changed at: each write of its inputs, and each change
    of state of a report holding them (values begin or cease to feed published figures,
    ``analyze/published.py``), as the last write before it."""
    touches = batches_touching(store, codes, periods, units, as_of)
    held = sorted({f.code for f in forms() if set(f.indicators) & set(codes)})
    with store.read_conn() as conn:
        moves = report_moves(conn, held, periods, units, as_of)
    if not moves or not touches:
        return touches
    out = list(touches)
    for at, actor in moves:
        before = [t for t in touches if t.at <= at]
        if before:
            out.append(Touch(before[-1].batch_id, at, before[-1].source, actor))
    return sorted(out, key=lambda t: t.at)


def _coverage(
    store: Store, code: str, p: Period, unit: str, units: list[str] | None, at: datetime
) -> int:
    """How many stored units made the figure as of ``at`` (1 for a unit's own figure)."""
    if unit == NATION_ID and store.current([p.id], indicators=[code], units=[NATION_ID], as_of=at):
        return 1
    periods = [q.id for q in periods_within(p)]
    exclude = NATION_ID if units is None else None  # the nation's figure is made of the rest
    return units_with_values(store, code, periods, at, units=units, exclude=exclude)


def revisions(
    store: Store, indicator: str, unit: str, period: str, as_of: datetime | None = None
) -> Revisions:
    """Every stored vintage of the figure (all kinds) and its releases (as of a time)."""
    vintages = [
        o for o in store.history(indicator, unit, period) if as_of is None or o.created_at <= as_of
    ]
    rel = releases(store, indicator, unit, period, as_of)
    return Revisions(indicator, unit, period, vintages, rel)


def found_periods(
    store: Store, indicator: str, unit: str, as_of: datetime | None = None
) -> list[str]:
    """The periods the figure has vintages of (of its inputs), oldest first."""
    ind = catalog().get(indicator)
    return stored_periods(store, [ind.code, *ind.operands], _relevant_units(unit), as_of)


@cache
def phrasing() -> dict[str, dict[str, str]]:
    path = resources.files("chitieu.catalog") / "data" / "revisions.yaml"
    data = load_yaml(path.read_text(encoding="utf-8"))
    return {
        lang: {k: unicodedata.normalize("NFC", v) for k, v in d.items()} for lang, d in data.items()
    }


def revision_note(
    store: Store,
    indicator: str,
    unit: str,
    period: str,
    lang: str = "vi",
    as_of: datetime | None = None,
) -> str | None:
    """ "điều chỉnh từ X xuống Y tỷ đồng (−Z; −W%)" when the figure's last complete release
    revised the one before (as of a time), else None."""
    rel = releases(store, indicator, unit, period, as_of)
    return note_of(rel, indicator, lang)


def revision_notes(
    store: Store,
    indicators: list[str],
    unit: str,
    period: str,
    lang: str = "vi",
    as_of: datetime | None = None,
) -> dict[str, str]:
    """The revision note of each of ``indicators`` that was revised (what a report prints)."""
    out: dict[str, str] = {}
    for code in indicators:
        note = revision_note(store, code, unit, period, lang, as_of)
        if note:
            out[code] = note
    return out


def note_of(rel: list[Release], indicator: str, lang: str = "vi") -> str | None:
    """The revision note of some releases (the last two complete ones), or None."""
    from chitieu.fmt import format_number, format_pct

    full = Revisions(indicator, "", "", [], rel).complete()
    if len(full) < 2 or full[-1].value == full[-2].value:
        return None
    old, new = full[-2].value, full[-1].value
    assert old is not None and new is not None
    cat = catalog()
    ind = cat.get(indicator)
    lang = lang if lang in ("vi", "en") else "vi"
    diff, pct = revision(new, old)
    assert diff is not None
    phr = phrasing()[lang]
    return phr["up" if new > old else "down"].format(
        old=format_number(old, ind.decimals, lang),
        new=format_number(new, ind.decimals, lang),
        measure=cat.measure(ind, lang),
        change=_signed(format_number(abs(diff), ind.decimals, lang), diff),
        pct="" if pct is None else _signed(format_pct(abs(pct), 2, lang), pct),
    )


def _signed(text: str, x: float) -> str:
    """A figure with its sign as printed: "+" or the minus sign U+2212."""
    return ("+" if x > 0 else "\u2212" if x < 0 else "") + text


@dataclass
class Triangle:
    """Reference periods × releases, with revision statistics."""

    indicator: str
    unit: str
    releases: list[date]
    rows: dict[str, list[float | None]]  # period → value as of each release (None: not yet)
    first: dict[str, float]  # the first complete release
    latest: dict[str, float]
    first_release: dict[str, float] = field(default_factory=dict)  # whatever its coverage

    @property
    def revisions(self) -> dict[str, float]:
        """Latest minus first complete release, per period."""
        return {p: self.latest[p] - self.first[p] for p in self.first if p in self.latest}

    @property
    def mean_revision(self) -> float | None:
        """Mean revision (bias): positive when first releases were too low."""
        r = list(self.revisions.values())
        return statistics.fmean(r) if r else None

    @property
    def mean_abs_revision(self) -> float | None:
        """Mean absolute revision (MAR)."""
        r = list(self.revisions.values())
        return statistics.fmean(abs(x) for x in r) if r else None

    @property
    def relative_mar(self) -> float | None:
        """MAR relative to the mean absolute latest value, in %."""
        mar, lat = self.mean_abs_revision, [abs(v) for v in self.latest.values()]
        return 100 * mar / statistics.fmean(lat) if mar is not None and lat and any(lat) else None

    def _since_first(self, p: str) -> dict[str, float | None]:
        diff, pct = revision(self.latest.get(p), self.first_release.get(p))
        return {"since_first_release": diff, "since_first_release_pct": pct}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "indicator": self.indicator,
            "unit": self.unit,
            "releases": [d.isoformat() for d in self.releases],
            "rows": [
                {
                    "period": p,
                    "values": v,
                    "first": self.first.get(p),
                    "latest": self.latest.get(p),
                    "revision": self.revisions.get(p),
                    "first_release": self.first_release.get(p),
                    **self._since_first(p),
                }
                for p, v in self.rows.items()
            ],
            "mean_revision": self.mean_revision,
            "mean_abs_revision": self.mean_abs_revision,
            "relative_mar_pct": self.relative_mar,
        }


def triangle(
    store: Store, indicator: str, unit: str, periods: list[str], as_of: datetime | None = None
) -> Triangle:
    """The revision triangle of an indicator for a unit over ``periods`` (one release a day;
    every period's first release is in it, whatever its coverage)."""
    by_period = {p: Revisions(indicator, unit, p, [], releases(store, indicator, unit, p, as_of))
                 for p in periods}  # fmt: skip
    days = sorted({local_date(r.at) for rv in by_period.values() for r in rv.releases})
    rows: dict[str, list[float | None]] = {}
    first: dict[str, float] = {}
    latest: dict[str, float] = {}
    first_release: dict[str, float] = {}
    for p, rv in by_period.items():
        row: list[float | None] = []
        for d in days:
            known = [r for r in rv.releases if local_date(r.at) <= d]
            row.append(known[-1].value if known else None)
        rows[p] = row
        if rv.first is not None:
            first_release[p] = rv.first.value  # type: ignore[assignment]
        full = rv.complete()
        if full:
            first[p] = full[0].value  # type: ignore[assignment]
            latest[p] = full[-1].value  # type: ignore[assignment]
    return Triangle(indicator, unit, days, rows, first, latest, first_release)
