"""The board's "what if" view (issue 22 item 4, ``web/conference_whatif.py``) on both backends:
a presenter asks for a late unit's hypothetical value; the view shows the hypothesis and the
headline figures before and under it; nothing is written (the data version does not move); a
viewer link's board has no what-if; a what-if that cannot be made says why."""

from __future__ import annotations

import re

from tests.web.conftest import FOREIGN

from chitieu.web.events import StreamSettings
from chitieu.web.viewer import make_link

PERIOD = "2025S2"


def _view(text: str) -> str:
    m = re.search(r'<section class="cf-view" data-view="whatif".*?</section>', text, re.S)
    return m.group(0) if m else ""


def test_what_if_on_the_board(web) -> None:  # type: ignore[no-untyped-def]
    web.app.state.hub.settings = StreamSettings(lifetime=0)
    before = web.store.data_version()
    analyst = web.browser("analyst")
    r = analyst.get(f"/conference/{PERIOD}", params={"whatif": FOREIGN,
                    "indicator": "ICT_REVENUE", "value": "5000"})  # fmt: skip
    assert r.status_code == 200
    view = _view(r.text)
    assert view and 'data-start="whatif"' in r.text
    assert "5.000" in view and "Doanh thu" in view and 'role="alert"' not in view
    assert web.store.data_version() == before  # nothing written
    bad = _view(analyst.get(f"/conference/{PERIOD}", params={"whatif": "Atlantis"}).text)
    assert 'role="alert"' in bad  # told why, in the page
    link = make_link(web.store, PERIOD, "điểm cầu", "admin")
    viewer = web.api()
    got = viewer.get(f"/conference/{PERIOD}", params={"token": link.token, "whatif": FOREIGN,
                     "indicator": "ICT_REVENUE", "value": "5000"})  # fmt: skip
    assert got.status_code == 200 and not _view(got.text)
