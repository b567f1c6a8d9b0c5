"""A "what if" as the shells show it: the national figures and the report's headline sentences
before and under hypothetical values (issue 22, item 4).

:func:`what_if` is the one core function of ``chitieu whatif`` (``cli/whatif_cmds.py``) and of
``GET /api/v1/whatif`` (``web/routes/whatif.py``); the conference board's what-if panel calls
the API. It reads the facts of the period as they are (``analyze.facts``) and as if the
hypotheses were stored (``analyze.whatif.facts_with``: nothing is written), and phrases the
headline paragraph of the report (``report/narrative.py``, phrasing in ``data/phrasing.yaml``)
from each, sentence by sentence. A sentence under a hypothesis is marked ("[Giả định] …" /
"[Hypothetical] …") and its coverage clause says how many units' figures are hypothetical
("số liệu của 62/63 tỉnh, thành phố đã báo cáo và 1 tỉnh, thành phố theo giả định").

:meth:`WhatIf.to_dict` is the API's answer and the CLI's ``--json``::

    {period, label, unit: "VN", boundaries, as_of, lang,
     hypotheses: [{indicator, unit, value, source, basis, text}],
     changed: [indicator codes whose national figure the hypotheses feed],
     before: [national fact (analyze.facts' Fact.to_dict, with name and measure)],
     after:  [the same facts under the hypotheses; coverage with hypothetical(_units)],
     sentences: [{indicator, before, after, changed}]}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chitieu.analyze.facts import Fact, FactSet, StoreLike
from chitieu.analyze.facts import facts as fact_set
from chitieu.analyze.whatif import Hypothesis, facts_with
from chitieu.catalog.indicators import Catalog, catalog
from chitieu.catalog.instants import iso, show
from chitieu.catalog.periods import Period, parse_period
from chitieu.catalog.units import registry
from chitieu.catalog.vocabulary import NATION_ID, Boundaries
from chitieu.fmt import format_number, format_pct, period_label
from chitieu.report.facts import report_fact
from chitieu.report.narrative import Narrator
from chitieu.report.phrasing import lower_first, phrasing, render


@dataclass(frozen=True)
class Sentence:
    """One headline indicator's sentences, before and under the hypotheses."""

    indicator: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        """Whether the hypotheses change what is said."""
        return self.before != self.after

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"indicator": self.indicator, "before": self.before, "after": self.after,
                "changed": self.changed}  # fmt: skip


@dataclass(frozen=True)
class WhatIf:
    """The facts of a period before and under hypotheses, and the sentences of each."""

    period: Period
    lang: str
    boundaries: str
    as_of: datetime | None
    hypotheses: tuple[Hypothesis, ...]
    stated: tuple[str, ...]  # each hypothesis in words
    before: FactSet
    after: FactSet
    sentences: tuple[Sentence, ...]
    cat: Catalog

    def changed(self) -> list[str]:
        """The indicators whose national figure a hypothesis feeds, in catalog order."""
        return [
            ind.code
            for ind in self.cat
            if (f := self.after.get(ind.code, NATION_ID)) is not None and "hypothetical" in f.extra
        ]

    def national(self) -> list[tuple[Fact | None, Fact]]:
        """(before, after) of each national figure a hypothesis feeds."""
        return [
            (self.before.get(c, NATION_ID), self.after.get(c, NATION_ID))  # type: ignore[misc]
            for c in self.changed()
        ]

    def _fact(self, f: Fact | None) -> dict[str, Any] | None:
        if f is None:
            return None
        ind = self.cat.get(f.indicator)
        return {**f.to_dict(), "name": ind.name(self.lang),
                "measure": self.cat.measure(ind, self.lang)}  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """The API's answer and ``chitieu whatif --json`` (the module's docstring)."""
        pairs = self.national()
        return {
            "period": self.period.id,
            "label": period_label(self.period, self.lang),
            "unit": NATION_ID,
            "boundaries": self.boundaries,
            "as_of": iso(self.as_of),
            "lang": self.lang,
            "hypotheses": [
                {**h.to_dict(), "text": t}
                for h, t in zip(self.hypotheses, self.stated, strict=True)
            ],
            "changed": self.changed(),
            "before": [self._fact(b) for b, _ in pairs],
            "after": [self._fact(a) for _, a in pairs],
            "sentences": [s.to_dict() for s in self.sentences],
        }


def what_if(
    store: StoreLike,
    period: str | Period,
    hypotheses: Sequence[Hypothesis],
    lang: str = "vi",
    *,
    as_of: datetime | None = None,
    boundaries: Boundaries | str = Boundaries.CURRENT,
    cat: Catalog | None = None,
) -> WhatIf:
    """The national figures and the report's headline sentences of ``period`` before and under
    ``hypotheses`` (as of ``as_of``), in ``lang``; nothing is written."""
    p = period if isinstance(period, Period) else parse_period(str(period))
    cat = cat or catalog()
    after = facts_with(store, p, hypotheses, boundaries=boundaries, as_of=as_of, cat=cat)
    before = fact_set(store, p, boundaries, as_of, cat=cat)
    b = str(Boundaries(boundaries))
    stated = tuple(hypothesis_text(h, p, lang, cat) for h in hypotheses)
    return WhatIf(p, lang, b, as_of, tuple(hypotheses), stated, before, after,
                  tuple(headline_sentences(before, after, lang, cat)), cat)  # fmt: skip


def _paragraph(got: FactSet, lang: str, cat: Catalog, marked: bool) -> dict[str, list[str]]:
    """The headline paragraph's sentences of the nation, per indicator; those of a figure a
    hypothesis feeds marked as hypothetical when ``marked``."""
    phr = phrasing(lang)
    p = got.period
    rfs = []
    for ind in cat:
        f = got.get(ind.code, NATION_ID)
        if ind.group != phr["headline_group"] or f is None:
            continue
        rf = report_fact(f, ind, cat, p, lang)
        if rf.fact.value is not None or "value" in rf.withheld:
            rfs.append(rf)
    out: dict[str, list[str]] = {}
    mark = phr["whatif"]["mark"]
    for code, text in Narrator(phr, p, lang, cat).sentences(rfs):
        f = got.get(code, NATION_ID)
        hyp = marked and f is not None and "hypothetical" in f.extra
        out.setdefault(code, []).append((mark if hyp else "") + text + phr["sentence_end"])
    return out


def headline_sentences(before: FactSet, after: FactSet, lang: str,
                       cat: Catalog) -> list[Sentence]:  # fmt: skip
    """The report's headline sentences of the nation, indicator by indicator, before and
    under the hypotheses (an indicator stated in only one of them: "" in the other)."""
    join = phrasing(lang)["sentence_join"]
    then, now = _paragraph(before, lang, cat, False), _paragraph(after, lang, cat, True)
    codes = [*now, *(c for c in then if c not in now)]
    return [Sentence(c, join.join(then.get(c, [])), join.join(now.get(c, []))) for c in codes]


def hypothesis_text(h: Hypothesis, p: Period, lang: str, cat: Catalog) -> str:
    """A hypothesis in words ("Giả định An Giang: doanh thu … là 18.817 tỷ đồng (…)")."""
    phr = phrasing(lang)["whatif"]
    ind = cat.get(h.indicator)
    basis = h.basis
    how = render(
        phr["sources"][h.source],
        share=format_pct(float(basis.get("share_last_year_pct", 0.0)), 2, lang),
        year=p.year - 1,
        at=show(datetime.fromisoformat(basis["recorded_at"]), lang) if "recorded_at" in basis
        else "",
    )  # fmt: skip
    return render(
        phr["hypothesis"],
        unit=registry().get(h.unit).label(lang),
        name=lower_first(ind.name(lang)),
        value=format_number(h.value, ind.decimals, lang),
        measure=cat.measure(ind, lang),
        how=how,
    )
