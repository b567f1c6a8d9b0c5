"""Which reports' values feed published figures: one rule, read by completeness now and by the
facts and their coverage later (importable from the core, without the web).

Default: a report that has been submitted, and every state beyond — accepted, approved — plus
values that arrived outside the workflow (``received``: a ministry's file import, the API's
``POST /values``). Drafts, and reports returned or reopened for changes, do not feed them
(analysts see them, marked). ``CHITIEU_PUBLISH_STATES`` (states separated by commas) changes
the rule for a whole installation.
"""

from __future__ import annotations

import os

from chitieu.catalog.vocabulary import ReportState
from chitieu.errors import ChitieuError

SETTING = "CHITIEU_PUBLISH_STATES"
DEFAULT = frozenset(
    {ReportState.SUBMITTED, ReportState.ACCEPTED, ReportState.APPROVED, ReportState.RECEIVED}
)


class PublishSettingError(ChitieuError):
    """``CHITIEU_PUBLISH_STATES`` names a state that does not exist."""

    exit_code = 2


def published_states() -> frozenset[str]:
    """The states whose values feed published figures."""
    text = os.environ.get(SETTING, "").strip()
    if not text:
        return frozenset(str(s) for s in DEFAULT)
    named = {s.strip() for s in text.split(",") if s.strip()}
    known = {str(s) for s in ReportState}
    if unknown := sorted(named - known):
        raise PublishSettingError(
            f"{SETTING} names unknown state(s): {', '.join(unknown)}",
            f"use some of: {', '.join(sorted(known))}",
        )
    return frozenset(named)


def feeds_published(state: str | None) -> bool:
    """Whether a unit's values in ``state`` (None: not started) feed published figures."""
    return (state or ReportState.NOT_STARTED) in published_states()
