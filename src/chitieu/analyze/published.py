"""Only values that feed published figures make the facts (issue 17, item 1).

"Reported" means values in a state that feeds published figures: the reporting round's rule,
``workflow.publish.feeds_published`` (submitted and beyond, or received outside the web's
workflow). A unit's values in a report that does not — a draft, a report returned or reopened
— are left out of the figures built from the cube: the targets those values belong to are
computed again without them (the other units' figures as they are), so the unit counts as
missing in the coverage of every figure it should have been part of (``33/34``), and its value
does not feed the national total. One read of the reports per load (none in a store without
the web's workflow); the slabs are read only when a report is out of that state. As of an
instant, a report counts in the state it was in then, and the values as they stood then.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from chitieu.analyze.asof import slice_of, splice
from chitieu.analyze.assemble import Slices
from chitieu.analyze.cube import CubeRules
from chitieu.analyze.overlay import Laid, changed_part
from chitieu.catalog.forms import forms
from chitieu.catalog.periods import parse_period
from chitieu.store.current import Slab
from chitieu.store.published import Report, reports_not_in, slabs_as_read
from chitieu.store.values import Store
from chitieu.workflow.publish import published_states

#: (period, unit, kind) keys left out per (year, indicator)
Held = dict[tuple[int, str], set[tuple[str, str, str]]]


def unpublished_reports(store: Store, years: Iterable[int], as_of: datetime | None) -> list[Report]:
    """The reports of ``years`` whose values do not feed published figures (at ``as_of``)."""
    with store.read_conn() as conn:
        return reports_not_in(conn, years, published_states(), as_of)


def held_keys(reports: Iterable[Report]) -> Held:
    """The value keys of ``reports`` (their form's indicators, the round's kind of figure)."""
    catalog = forms()
    out: Held = {}
    for r in reports:
        form = catalog.find(r.form)
        rnd = form.find_round(r.round) if form is not None else None
        if form is None or rnd is None:
            continue
        year = parse_period(r.period).year
        for ind in form.indicators:
            out.setdefault((year, ind), set()).add((r.period, r.unit, str(rnd.kind)))
    return out


def leave_out_unpublished(
    store: Store,
    rules: CubeRules,
    system: str,
    slices: Slices,
    slots: Sequence[int],
    years: Iterable[int],
    as_of: datetime | None,
    laid: Laid | None = None,
    indicators: Sequence[str] | None = None,
) -> None:
    """``slices`` (in place) without the values of reports not in a publishing state, and with
    the values ``laid`` over (a what-if's): the targets those values belong to are computed
    again from the other values (``analyze/overlay.py``)."""
    years = set(years)
    held = held_keys(unpublished_reports(store, years, as_of))
    wanted = [k for k in held if (k[1], k[0]) in slices and k[1] in rules._rules]
    if laid is not None:
        wanted += [k for k in laid.keys(years, indicators) if k[1] in rules._rules]
    wanted = sorted(set(wanted), key=lambda k: (k[0], k[1]))
    if not wanted:
        return
    with store.read_conn() as conn:
        slabs = slabs_as_read(conn, wanted, as_of)
    parts: list[tuple[Slab, set[str]]] = []
    for key in wanted:
        slab = slabs.get(key) or Slab.empty(key)
        add = laid.values.get(key, ()) if laid is not None else ()
        part = changed_part(rules, system, slab, held.get(key, set()), add)
        if part is not None:
            parts.append(part)
    if not parts:
        return
    made = {(c.indicator, c.year): c for c in rules.compute([p for p, _ in parts], system)}
    for slab, targets in parts:
        at = (slab.indicator, slab.year)
        if at not in slices:  # nothing stored of it: the laid values alone
            slices[at] = slice_of(made[at], slots)
            continue
        base_targets, cells, sources = slices[at]
        slices[at] = splice((base_targets, cells, sources, targets), made[at], slots)
