"""Demo timeline: values arrive when they would have, and one province reports H1/2023 late.

Every demo value of the ICT series is written on a plausible date, so that the store can be
read as it stood at any moment (``analyze.facts(store, period, as_of=...)``): a period's actual
figures 45 days after it ends, annual plans on 15 January, estimates a few days before the period
ends.

H1/2023 — the source document's review — is told as it happened around the conference of
30 June 2023. No national value is stored for the four headline indicators: the national
figure is the sum of the provinces. On 20 June 62 provinces send their H1 estimates ("ước",
the half-year has not closed). An Giang is late: on 25 June the ministry estimates its figures
(ratio of means over the 62 that reported; method and inputs stored), so the national total
as of 25 June differs from the document's. On 28 June An Giang sends its own estimates, which
supersede the ministry's; from then on the national total is exactly the document's figure.
An Giang's own H1 was weaker than its usual share (synthetic), which is why the ministry's
estimate was revised down.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from chitieu.analyze.estimate import estimate_period, write_estimates
from chitieu.catalog.periods import parse_period
from chitieu.catalog.units import NATION_ID, registry
from chitieu.catalog.vocabulary import Kind, Status
from chitieu.collect.ingest import Origin, ingest
from chitieu.demo.shares import HEADLINE, SYNTHETIC, split_exact, weights
from chitieu.store.db import utcnow
from chitieu.store.values import NewValue, Store

#: the province that reports H1/2023 late (the source document is An Giang's news item)
LATE_UNIT = "89@63"
#: 62 provinces send their H1/2023 estimates (UTC; 15:00 in Vietnam)
SUBMITTED = datetime(2023, 6, 20, 8, 0)
#: the ministry estimates the missing province
ESTIMATED = datetime(2023, 6, 25, 2, 0)
#: the late province sends its own figures
LATE_SENT = datetime(2023, 6, 28, 3, 0)
#: the late province's H1/2023 share relative to its usual weight (synthetic)
LATE_FACTOR = 0.9
REVIEW = "2023S1"


def released(v: NewValue) -> datetime:
    """When a demo value would have been written (never later than now)."""
    p = parse_period(v.period)
    if v.kind == Kind.PLAN:
        at = datetime(p.year, 1, 15, 2, 0)
    elif v.kind == Kind.ESTIMATE:
        at = datetime.combine(p.end - timedelta(days=8), datetime.min.time()) + timedelta(hours=2)
    else:
        at = datetime.combine(p.end + timedelta(days=45), datetime.min.time()) + timedelta(hours=2)
    return min(at, utcnow())


def _review_split(provincial: list[NewValue], headline: tuple[str, ...]) -> list[NewValue]:
    """H1/2023 provincial figures re-split so that the late province had a weaker half."""
    shares = weights()
    units = registry().provinces(parse_period(REVIEW).end)
    w = [shares[u.id] * (LATE_FACTOR if u.id == LATE_UNIT else 1.0) for u in units]
    totals: dict[str, float] = defaultdict(float)
    for v in provincial:
        totals[v.indicator] += v.value or 0.0
    out: list[NewValue] = []
    for code in headline:
        parts = split_exact(round(totals[code]), w)
        out += [
            NewValue(code, u.id, REVIEW, Kind.ESTIMATE, x, Status.PROVISIONAL, SYNTHETIC)
            for u, x in zip(units, parts, strict=True)
        ]
    return out


def load_ict(
    store: Store, national: list[NewValue], provincial: list[NewValue], created_by: str
) -> tuple[int, int]:
    """Write the ICT series on its timeline; returns (national, provincial) values written."""

    def review(v: NewValue) -> bool:
        return v.period == REVIEW and v.indicator in HEADLINE and v.kind != Kind.PLAN

    national = [v for v in national if not (review(v) and v.unit == NATION_ID)]
    h1 = _review_split([v for v in provincial if review(v)], HEADLINE)
    provincial = [v for v in provincial if not review(v)]
    dated: dict[tuple[datetime, str], list[NewValue]] = defaultdict(list)
    for part, values in (("national", national), ("provincial", provincial)):
        for v in values:
            dated[(released(v), part)].append(v)
    for (at, part), values in sorted(dated.items()):
        periods = ", ".join(sorted({v.period for v in values}))
        note = (
            f"ICT series, {part} ({periods}): H1/2023 and H1/2022 national figures from "
            "the source document; " + SYNTHETIC
        )
        _load(store, values, created_by, at, note)
    on_time = [v for v in h1 if v.unit != LATE_UNIT]
    note = f"H1/2023 estimates of {len({v.unit for v in on_time})} provinces: " + SYNTHETIC
    _load(store, on_time, created_by, SUBMITTED, note)
    run = estimate_period(store, REVIEW, ESTIMATED, indicators=list(HEADLINE), units=[LATE_UNIT])
    write_estimates(store, run, created_by, at=ESTIMATED)
    late = [v for v in h1 if v.unit == LATE_UNIT]
    _load(
        store,
        late,
        created_by,
        LATE_SENT,
        f"H1/2023 estimates of {LATE_UNIT}, sent late: " + SYNTHETIC,
    )
    return len(national), len(provincial) + len(h1)


def _load(store: Store, values: list[NewValue], by: str, at: datetime, note: str) -> None:
    """One dated batch through the one door in (``collect.ingest``: the domains and the
    workflow's lock; the quality rules are skipped — the series is synthetic shares of a
    checked national series)."""
    result = ingest(store, values, Origin(by, "demo", note=note, at=at), validate=False)
    if result.batch is None:  # pragma: no cover - the demo's own values are in their domains
        raise RuntimeError(result.report.to_json())
