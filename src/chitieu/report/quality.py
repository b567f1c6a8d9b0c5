"""The report's data-quality note (issue 17, item 2): where the stored figures of the report's
headline disagree across levels or periods (``check/consistency.py``: the nation against its
provinces, a stored half, 9-month figure or year against its months, a total against its
components), what was found, and which figure the report uses — what its fact says
(``Fact.consistency`` for the nation and a total, ``Fact.source`` for a period), so the note
and the figures never tell two stories.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from chitieu.catalog.indicators import Catalog
from chitieu.catalog.periods import Period, parse_period, periods_within
from chitieu.check.consistency import (
    COMPONENTS_TYPE,
    NATION_TYPE,
    PARTIAL_TYPE,
    PARTS_TYPE,
    components_findings,
    consistency_findings,
)
from chitieu.report.model import Block, Paragraph
from chitieu.report.phrasing import lower_first, render
from chitieu.workflow.tasks import belongs

if TYPE_CHECKING:
    from chitieu.analyze.facts import StoreLike
    from chitieu.report.context import ReportContext
    from chitieu.report.facts import FactTable

#: which check each finding is, in the note's phrasing
CHECKS = {NATION_TYPE: "nation", PARTIAL_TYPE: "partial", PARTS_TYPE: "parts",
          COMPONENTS_TYPE: "components"}  # fmt: skip


def quality_findings(
    store: StoreLike, table: FactTable, codes: list[str], unit: str, p: Period,
    as_of: datetime | None, cat: Catalog,
) -> list[dict[str, Any]]:  # fmt: skip
    """The consistency findings on the stored figures of ``p`` of ``codes`` that are the
    report's unit's (its own, or those of the old provinces it is made of), each with the
    figure the report uses (``stored`` | ``parts``; a total against its components: ``total``
    | ``components``)."""
    if not codes:
        return []
    year = [q.id for q in periods_within(parse_period(str(p.year)))]
    read = sorted({*codes, *(c for code in codes for c in cat.get(code).components)})
    values = {o.key: o.value for o in store.current(year, indicators=read, as_of=as_of)
              if o.value is not None}  # fmt: skip
    out: list[dict[str, Any]] = []
    for f in consistency_findings(values, cat) + components_findings(values, cat):
        rf = table.get(f.indicator or "")
        if (
            f.period != p.id
            or f.type not in CHECKS
            or rf is None
            or not belongs(f.unit or "", unit)
        ):
            continue
        out.append({"check": CHECKS[f.type], "indicator": f.indicator, "unit": f.unit,
                    "period": f.period, "used": _used(f.type, rf.fact), **f.params})  # fmt: skip
    return out


def _used(type_: str, fact: Any) -> str:
    """The figure the fact uses: the nation's choice against its provinces, what a period's
    value was made of, or a total's choice against its components."""
    if type_ == PARTS_TYPE:
        return str(fact.source or "stored")
    if type_ == COMPONENTS_TYPE:
        chosen = ((fact.consistency or {}).get("components") or {}).get("value") or {}
        return str(chosen.get("used", "total"))
    chosen = (fact.consistency or {}).get("value") or {}
    return str(chosen.get("used", "stored"))


def quality_lines(ctx: ReportContext) -> list[Block]:
    """One note per finding ("Số liệu … đã báo cáo (X) khác … (Y), chênh lệch Z (W%); báo cáo
    sử dụng …")."""
    ph = ctx.phr.get("quality")
    found = ctx.inputs.quality
    if not ph or not found:
        return []
    out: list[Block] = []
    for q in found:
        lang = ctx.lang
        name = lower_first(ctx.cat.get(q["indicator"]).name(lang))
        text = render(
            ph[q["check"]], name=name, period=ctx.label(), unit=_unit(ctx, q["unit"]),
            value=q[f"value_{lang}"], parts=q[f"parts_{lang}"], gap=q[f"gap_{lang}"],
            gap_pct=_pct(q["gap_pct"], lang), n=q.get("n"), expected=q.get("expected"),
            parts_periods=_periods(ctx, q.get("parts_periods", "")),
            used=ph["used"][q["check"]][q["used"]],
        )  # fmt: skip
        out.append(Paragraph(text, style="note"))
    return out


def _pct(v: float | None, lang: str) -> str:
    from chitieu.fmt import format_number

    return "" if v is None else ("+" if v > 0 else "") + format_number(v, 2, lang)


def _unit(ctx: ReportContext, unit: str) -> str:
    """The unit a finding is on, named only when it is not the report's own (an old province
    of a merged one)."""
    return "" if unit == ctx.unit else ctx.unit_name(unit)


def _periods(ctx: ReportContext, ids: str) -> str:
    """The parts' periods by their short names ("T1/2023, T2/2023, …")."""
    return ", ".join(ctx.short_label(parse_period(i.strip())) for i in ids.split(",") if i.strip())
