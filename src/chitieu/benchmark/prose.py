"""Viet Nam's gaps to the regional leader and median, as facts and as vi/en sentences.

The gap facts are computed once from the benchmark's indicator values (imputed values never
count); the sentences come from ``data/phrasing.yaml`` and only read those facts, with every
number formatted by chitieu.fmt.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, StrictUndefined

from chitieu.catalog.datafiles import load_yaml
from chitieu.fmt import format_number, format_pct

from .run import BenchmarkResult


@dataclass
class GapFact:
    """Viet Nam against the region on one indicator."""

    indicator: str
    mode: str  # ratio | points (for indicators in %)
    n: int  # countries of the region with data
    vn_value: float | None
    vn_year: int | None
    leader: str | None
    leader_value: float | None
    leader_year: int | None
    median: float | None
    vn_leads: bool
    ratio_to_leader_pct: float | None  # ratio mode: VN / leader × 100
    gap_to_leader: float | None  # leader − VN, in the indicator's unit (points for %)
    diff_to_median: float | None  # ratio mode: % above (+) / below (−); points mode: points

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


@cache
def phrasing() -> dict[str, Any]:
    """The sentence templates."""
    path = resources.files("chitieu.benchmark") / "data" / "phrasing.yaml"
    return load_yaml(unicodedata.normalize("NFC", path.read_text(encoding="utf-8")))


def lower_first(text: str) -> str:
    """Lower-case the first letter unless the word is an acronym ("GDP")."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


_ENV = Environment(undefined=StrictUndefined, autoescape=False)
_ENV.filters["lower_first"] = lower_first


def pct_text(x: float, lang: str) -> str:
    """A percentage with one decimal, or two when it is below 1."""
    return format_pct(x, 1 if abs(x) >= 1 else 2, lang)


def render(template: str, **ctx: Any) -> str:
    """Fill a template; whitespace collapsed, NFC."""
    text = _ENV.from_string(template).render(**ctx)
    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", text).strip())


def gap_facts(result: BenchmarkResult) -> list[GapFact]:
    """Per computable indicator, Viet Nam's gap to the region's leader and median."""
    fw = result.fw
    region = fw.comparison_members()
    me = fw.store_country
    out = []
    for ind in fw.indicators:
        vals = {
            c.iso3: c.values[ind.code]
            for c in result.countries
            if c.iso3 in region and ind.code in c.values
        }
        if not vals:
            continue
        mode = "points" if ind.unit.en.startswith("%") else "ratio"
        leader = max(vals, key=lambda c: ind.sign * vals[c].value)
        lv = vals[leader].value
        median = statistics.median(v.value for v in vals.values())
        vn = vals.get(me)
        ratio = gap = diff = None
        if vn is not None:
            x = vn.value
            gap = (lv - x) * ind.sign
            if mode == "ratio":
                ratio = x / lv * 100 if lv else None
                diff = (x - median) / abs(median) * 100 if median else None
            else:
                diff = x - median
        out.append(
            GapFact(
                ind.code,
                mode,
                len(vals),
                vn.value if vn else None,
                vn.year if vn else None,
                leader,
                lv,
                vals[leader].year,
                median,
                leader == me,
                ratio,
                gap,
                diff,
            )
        )
    return out


def _median_words(g: GapFact, fmt_v: Any, lang: str) -> str:
    m = phrasing()["median"]
    median = fmt_v(g.median)
    if g.diff_to_median is None or round(g.diff_to_median, 1) == 0:
        return render(m[f"equal_{g.mode}"][lang], median=median)
    side = "above" if g.diff_to_median > 0 else "below"
    return render(
        m[f"{side}_{g.mode}"][lang], median=median, diff=pct_text(abs(g.diff_to_median), lang)
    )


def _ratio_rule(g: GapFact, ctx: dict[str, Any], lang: str) -> str:
    """How Viet Nam is set against the leader (``ratio_rule`` of the phrasing): as a share of
    the leader's level; as "the leader has N times as much" when the share would read
    absurdly small; not at all when the gap is so wide that the concepts most likely differ."""
    rule = phrasing()["ratio_rule"]
    ratio = g.ratio_to_leader_pct
    if g.mode != "ratio" or ratio is None or ratio >= rule["times_below_pct"]:
        return g.mode
    if ratio < rule["apart_below_pct"]:
        ctx["apart"] = format_number(100 / rule["apart_below_pct"], 0, lang)
        return "ratio_apart"
    times = 100 / ratio
    ctx["times"] = format_number(times, 0 if times >= 10 else 1, lang)
    return "ratio_times"


def gap_contexts(result: BenchmarkResult, lang: str = "vi") -> list[tuple[str, dict[str, Any]]]:
    """Per indicator, the template key and the formatted figures its sentence reads."""
    fw = result.fw
    names = fw.countries
    out = []
    for g in gap_facts(result):
        ind = fw.indicator(g.indicator)

        def v(x: float | None, ind: Any = ind) -> str:
            return "" if x is None else format_number(x, ind.decimals, lang)

        ctx = {
            "name": ind.name(lang),
            "unit": ind.unit(lang),
            "region": fw.comparison_name(lang),
            "value": v(g.vn_value),
            "vn_year": g.vn_year,
            "leader": names[g.leader](lang) if g.leader else "",
            "leader_value": v(g.leader_value),
            "leader_year": g.leader_year,
            "median": v(g.median),
            "n": g.n,
        }
        if g.vn_value is None:
            key = "no_vn"
        elif g.n == 1:
            key = "alone"
        elif g.vn_leads:
            key = "leader"
        else:
            key = _ratio_rule(g, ctx, lang)
            ctx["median_words"] = _median_words(g, v, lang)
            ctx["ratio"] = pct_text(g.ratio_to_leader_pct or 0, lang)
            ctx["gap"] = pct_text(abs(g.gap_to_leader or 0), lang)
            if g.diff_to_median is not None:
                ctx["diff"] = pct_text(abs(g.diff_to_median), lang)
        out.append((key, ctx))
    return out


def gap_sentences(result: BenchmarkResult, lang: str = "vi") -> list[str]:
    """One sentence per indicator: Viet Nam vs the regional leader and median."""
    p = phrasing()["gap"]
    return [render(p[key][lang], **ctx) for key, ctx in gap_contexts(result, lang)]


def summary_contexts(result: BenchmarkResult, lang: str = "vi") -> list[tuple[str, dict[str, Any]]]:
    """The template keys and formatted figures of the index summary and coverage sentences."""
    fw, m = result.fw, result.fw.method
    out: list[tuple[str, dict[str, Any]]] = []
    scored = result.scored
    me = next((c for c in scored if c.iso3 == fw.store_country), None)
    if me is not None and me.index is not None:
        top = scored[0]
        out.append(
            (
                "summary",
                {
                    "year": result.year,
                    "index": format_number(me.index, 1, lang),
                    "rank": me.rank,
                    "n": len(scored),
                    "runs": format_number(result.runs, 0, lang),
                    "p5": me.rank_p5,
                    "p95": me.rank_p95,
                    "median": format_pct(me.rank_median or 0, 1, lang),
                    "leader": fw.countries[top.iso3](lang),
                    "leader_index": format_number(top.index or 0, 1, lang),
                },
            )
        )
    gaps = [i for i in fw.indicators if i.code not in result.in_index]
    out.append(
        (
            "coverage",
            {
                "k": len(result.in_index),
                "min_countries": m.min_countries,
                "gaps": len(gaps),
                "gap_names": "; ".join(lower_first(i.name(lang)) for i in gaps) or "-",
                "min_coverage": format_pct(m.min_coverage * 100, 0, lang),
                "window": f"{result.year - m.before}–{result.year + m.after}",
            },
        )
    )
    return out


def summary_sentences(result: BenchmarkResult, lang: str = "vi") -> list[str]:
    """The index result of Viet Nam and how the index was made (coverage, caveats)."""
    ph = phrasing()
    return [render(ph[key][lang], **ctx) for key, ctx in summary_contexts(result, lang)]
