"""Demo data: the source document's H1/2023 review, a national series and a provincial breakdown.

The national H1/2023 figures are the source document's (1.614.206, 45.405 and 389.792 tỷ đồng,
1.512.144 workers, all estimates). H1/2022 and the 2023 plan are chosen so that the change and
% of plan round to the document's percentages (``ANCHORS``). Everything else in the ICT series
— other years, sub-sector split, the provincial breakdown — is SYNTHETIC, generated from a fixed
seed and labelled so in every stored row's comment and in the batch note. The provincial
figures of each period add up exactly to the national figure (largest-remainder rounding) and
follow the 63 provinces until 2025-06-30 and the 34 from 2025-07-01. Publishing figures
2021–2025 are real, each row citing its source (``data/publishing_vn.csv``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

from chitieu.catalog.periods import parse_period
from chitieu.catalog.units import NATION_ID, registry
from chitieu.catalog.vocabulary import Kind, Status
from chitieu.collect.importer import import_file
from chitieu.demo.accounts import load_accounts
from chitieu.demo.late import load_ict
from chitieu.demo.shares import HEADLINE, SYNTHETIC, split_exact, weights
from chitieu.demo.tasks import load_demo_tasks
from chitieu.store.values import NewValue, Store

__all__ = ["HEADLINE", "SYNTHETIC", "DemoResult", "ict_values", "load_demo", "split_exact"]

SOURCE_DOC = "Bộ TT&TT, Hội nghị sơ kết 6 tháng đầu năm 2023 (30/6/2023), via sotttt.angiang.gov.vn"
FLOWS = ("ICT_REVENUE", "ICT_BUDGET", "ICT_GDP")
COMPONENTS = {  # synthetic shares of ICT_REVENUE
    "IT_REVENUE": 0.78,
    "TEL_REVENUE": 0.19,
    "POST_REVENUE": 0.016,
    "PPD_REVENUE": 0.009,
    "PRESS_REVENUE": 0.005,
}
YEARS = range(2021, 2027)
#: the conference's moment: values of H1/2023 were estimated on 2023-06-25
CONFERENCE = datetime(2023, 6, 25, 9, 0)


@dataclass(frozen=True)
class Anchor:
    """H1/2023 (estimate), H1/2022 (actual) and the 2023 plan of a headline indicator."""

    h1_2023: int
    h1_2022: int
    plan_2023: int


#: H1/2022 and the plan are picked so the rounded change and % of plan match the document:
#: −8,66 / −8,8 / −7,2 / +1,96 and 39,6 / 43,66 / 41,24 / 99,17 (checked by tests).
ANCHORS = {
    "ICT_REVENUE": Anchor(1_614_206, 1_767_250, 4_076_278),
    "ICT_BUDGET": Anchor(45_405, 49_787, 103_997),
    "ICT_GDP": Anchor(389_792, 420_034, 945_179),
    "ICT_LABOUR": Anchor(1_512_144, 1_483_076, 1_524_800),
}


def _national_series() -> dict[tuple[str, str], int]:
    """National half-year values of the headline indicators, 2021S1–2026S1."""
    rng = random.Random(42)
    out: dict[tuple[str, str], int] = {}
    for code, a in ANCHORS.items():
        out[(code, "2022S1")] = a.h1_2022
        out[(code, "2023S1")] = a.h1_2023
        growth = 1.02 if code == "ICT_LABOUR" else 1.09
        s2_factor = 1.01 if code == "ICT_LABOUR" else 1.18  # second halves are larger
        out[(code, "2021S1")] = round(a.h1_2022 / growth)
        for y in YEARS:
            if (code, f"{y}S1") not in out:
                prev = out[(code, f"{y - 1}S1")]
                out[(code, f"{y}S1")] = round(prev * growth * rng.uniform(0.98, 1.02))
            if y < 2026:  # 2026S2 has not closed (the demo's today is late 2026)
                out[(code, f"{y}S2")] = round(out[(code, f"{y}S1")] * s2_factor)
    return out


def _plans(series: dict[tuple[str, str], int]) -> dict[tuple[str, str], int]:
    """Annual plans; 2023's from the document, others synthetic."""
    plans: dict[tuple[str, str], int] = {}
    for code, a in ANCHORS.items():
        for y in YEARS:
            if y == 2023:
                plans[(code, "2023")] = a.plan_2023
                continue
            s1 = series[(code, f"{y}S1")]
            total = s1 if code == "ICT_LABOUR" else s1 * 2.2
            plans[(code, str(y))] = round(total * 1.02)
    return plans


def ict_values() -> tuple[list[NewValue], list[NewValue]]:
    """(national values, provincial breakdown) of the ICT series."""
    reg = registry()
    shares_of = weights()
    series = _national_series()
    national: list[NewValue] = []
    provincial: list[NewValue] = []
    for (code, period), value in sorted(series.items()):
        p = parse_period(period)
        is_doc = period == "2023S1"
        kind = Kind.ESTIMATE if is_doc else Kind.ACTUAL
        status = Status.PROVISIONAL if is_doc or p.year >= 2026 else Status.FINAL
        note = SOURCE_DOC if period in ("2023S1", "2022S1") else SYNTHETIC
        national.append(NewValue(code, NATION_ID, period, kind, value, status, note))
        units = reg.provinces(p.end)
        parts = split_exact(value, [shares_of[u.id] for u in units])
        provincial += [
            NewValue(code, u.id, period, kind, v, status, SYNTHETIC)
            for u, v in zip(units, parts, strict=True)
        ]
        if code == "ICT_REVENUE":
            shares = list(COMPONENTS.values())
            for comp, v in zip(COMPONENTS, split_exact(value, shares), strict=True):
                national.append(NewValue(comp, NATION_ID, period, kind, v, status, SYNTHETIC))
    for (code, year), value in sorted(_plans(series).items()):
        note = SOURCE_DOC if year == "2023" else SYNTHETIC
        national.append(NewValue(code, NATION_ID, year, Kind.PLAN, value, Status.FINAL, note))
        units = reg.provinces(parse_period(year).end)
        parts = split_exact(value, [shares_of[u.id] for u in units])
        provincial += [
            NewValue(code, u.id, year, Kind.PLAN, v, Status.FINAL, SYNTHETIC)
            for u, v in zip(units, parts, strict=True)
        ]
    return national, provincial


def publishing_file() -> Path:
    """The shipped CSV of Vietnam's publishing figures 2021–2025, each row citing its source."""
    return Path(str(resources.files("chitieu.demo") / "data" / "publishing_vn.csv"))


@dataclass
class DemoResult:
    """What the demo loaded."""

    national: int
    provincial: int
    publishing: int


def load_demo(store: Store, created_by: str = "demo") -> DemoResult:
    """Load the demo data into ``store`` (each part as its own batch)."""
    # dated batches; H1/2023 arrives province by province, one late (see demo/late.py)
    n_national, n_provincial = load_ict(store, *ict_values(), created_by)
    pub = import_file(publishing_file(), store, created_by=created_by, locale="en")
    if not pub.report.valid:  # pragma: no cover - the shipped file is tested
        raise RuntimeError(pub.report.to_json())
    load_demo_tasks(store, created_by)
    load_accounts(store, created_by)
    return DemoResult(n_national, n_provincial, pub.written)
