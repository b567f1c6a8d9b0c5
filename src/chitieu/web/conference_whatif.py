"""The conference board's "what if" panel (issue 22 item 4): the headline figures and sentences
of the period before and under hypothetical values for a late unit (``analyze/whatif.py``,
``report/whatif.py``: nothing is written, the store's data version does not move).

The board asks it with ``?whatif=<unit>&scenario=last-year-share|ministry-estimate`` (the
scenarios of ``analyze/scenarios.py``), or ``?whatif=<unit>&indicator=…&value=…`` (a value
given). A signed-in presenter only: a viewer link's board shows no what-if (a hypothesis is
the analyst's, not the conference's figure). Its figures go through the dashboard's ``figure``
as the board's do; a hypothetical figure carries its coverage ("62/63 + 1 giả định").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chitieu.analyze.scenarios import asked
from chitieu.catalog.indicators import catalog
from chitieu.catalog.periods import Period
from chitieu.catalog.units import NATION_ID
from chitieu.errors import ChitieuError
from chitieu.report.whatif import what_if
from chitieu.store.values import Store
from chitieu.web.conference_data import headline_codes, part
from chitieu.web.i18n import N_, _
from chitieu.web.routes.dashboard import figure

#: the scenarios the panel offers (``analyze/scenarios.py``) and their names
SCENARIOS = ("last-year-share", "ministry-estimate")
NAMES = {
    "last-year-share": N_("the unit's share of the same period last year"),
    "ministry-estimate": N_("the ministry's newest estimate for the unit"),
}


@dataclass(frozen=True)
class Asked:
    """What the presenter asked: a unit, and a scenario or values of indicators."""

    unit: str
    scenario: str = ""
    indicators: tuple[str, ...] = ()
    values: tuple[str, ...] = ()


def panel(store: Store, p: Period, lang: str, got: Asked) -> str:
    """The panel's HTML: the hypotheses in words, each headline figure before and after, the
    sentences that change; or why the what-if cannot be made (in the page's language)."""
    names = {k: _(v) for k, v in NAMES.items()}
    try:
        hyps = asked(store, p, units=[got.unit], indicators=list(got.indicators),
                     values=list(got.values), scenario_name=got.scenario or None)  # fmt: skip
        w = what_if(store, p, hyps, lang)
    except ChitieuError as exc:
        return part("whatif", asked=got, scenarios=names, error=exc.text(lang), rows=[],
                     stated=[], sentences=[])  # fmt: skip
    cat = catalog()
    rows: list[dict[str, Any]] = []
    changed = set(w.changed())
    for code in headline_codes():
        before, after = w.before.get(code, NATION_ID), w.after.get(code, NATION_ID)
        if after is None:
            continue
        ind = cat.get(code)
        shown = figure(before, ind, lang) if before else None
        rows.append(
            {"before": shown, "after": figure(after, ind, lang), "changed": code in changed}
        )
    sentences = [s for s in w.sentences if s.changed]
    return part("whatif", asked=got, scenarios=names, error=None, rows=rows,
                 stated=list(w.stated), sentences=sentences)  # fmt: skip
