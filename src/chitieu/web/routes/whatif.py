"""What if (issue 22, item 4): ``GET /api/v1/whatif`` — the national figures and the report's
headline sentences of a period before and under hypothetical values; read-only.

For the conference board's what-if panel, scripts and the CLI's users. Query parameters:

- ``period`` (required), ``boundaries`` (``current`` | ``as_reported``), ``as_of`` (ISO 8601);
- hypotheses as repeated triples ``unit=…&indicator=…&value=…`` (one ``unit`` may stand for
  all), e.g. ``?period=2023S1&unit=An Giang&indicator=ICT_REVENUE&value=18817``; a value is
  in the indicator's measure, written plainly (18817, 18817.5) or in one style unmistakably;
- or ``scenario=last-year-share|ministry-estimate&unit=…`` (and ``indicator=…`` to choose);
- ``lang`` (``vi`` | ``en``): the sentences' language (default: the page's, from its cookie).

The answer is ``report.whatif.WhatIf.to_dict()``: ``{ok, period, label, unit, boundaries,
as_of, lang, hypotheses, changed, before, after, sentences}`` — ``before``/``after`` the
national facts (``analyze.facts``' shape, coverage included: ``hypothetical`` counts the units
whose figure is hypothetical), ``sentences`` the headline sentences in that language,
those under a hypothesis marked "[Giả định]" / "[Hypothetical]". Nothing is written.

Authorisation as ``/api/v1/summary`` of the nation: whoever may read the national figures
(the ministry's roles and viewers; a reporter or a department head: 403). Bad input — a period,
unit, indicator (with the closest codes), value or scenario that cannot be used — is 422 with
the message in the request's language and ``text`` in both.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from chitieu.analyze.scenarios import asked
from chitieu.analyze.whatif import WhatIfError
from chitieu.catalog.periods import parse_period
from chitieu.catalog.units import NATION_ID
from chitieu.catalog.vocabulary import Boundaries
from chitieu.errors import ChitieuError, NotFound, PeriodError, UnitError
from chitieu.report.whatif import what_if
from chitieu.web.deps import User, get_store, require_read
from chitieu.web.errors import ERROR_RESPONSES
from chitieu.web.i18n import get_lang
from chitieu.web.params import QueryMoment

router = APIRouter(prefix="/api/v1", tags=["v1"], responses=ERROR_RESPONSES)

#: a repeated query parameter's texts (a what-if takes at most ``MAX_HYPOTHESES``)
Texts = Annotated[list[str] | None, Query()]


@router.get("/whatif")
def whatif(
    request: Request,
    user: User,
    period: str,
    unit: Texts = None,
    indicator: Texts = None,
    value: Texts = None,
    scenario: str | None = None,
    boundaries: str = "current",
    as_of: QueryMoment | None = None,
    lang: str | None = None,
) -> dict[str, Any]:
    """The national figures and headline sentences of ``period`` before and under the
    hypotheses (the module's docstring); nothing is written."""
    require_read(user, NATION_ID)
    store = get_store(request)
    try:
        if boundaries not in tuple(Boundaries):
            raise WhatIfError(code="whatif-boundaries", text=boundaries[:40])
        if lang not in (None, "vi", "en"):
            raise WhatIfError(code="whatif-lang", text=lang[:40])
        p = parse_period(period)
        hyps = asked(store, p, units=unit or [], indicators=indicator or [],
                     values=value or [], scenario_name=scenario, as_of=as_of)  # fmt: skip
    except (NotFound, UnitError, PeriodError) as exc:  # unknown unit, period or indicator
        raise _invalid(exc) from None
    got = what_if(store, p, hyps, lang or get_lang(), as_of=as_of, boundaries=boundaries)
    return {"ok": True, **got.to_dict()}


def _invalid(exc: ChitieuError) -> WhatIfError:
    """``exc`` told as a what-if's bad input (422), in both languages."""
    said = {lang: exc.text(lang) for lang in ("vi", "en")}
    return WhatIfError(
        code="whatif-input",
        said={lang: m for lang, (m, _) in said.items()},
        fix={lang: h for lang, (_, h) in said.items()},
    )
