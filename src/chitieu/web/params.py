"""Query parameters of the API that take a date or a moment: ISO 8601 text only.

FastAPI's plain ``date`` and ``datetime`` parameters take what pydantic takes, numbers
included: ``?as_of=0`` was read as 1 January 1970 (a Unix time) and answered 200. These types
take ``2025-07-01`` (a moment also ``2025-07-01T08:30``, with seconds, and ``Z`` or an offset,
read as every "as of" is: ``catalog/instants.py``), and refuse
anything else with a 422 that names the parameter and what it held (``input-bad-date``, told
by ``web/app.py``'s error handler).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from chitieu.catalog.instants import InstantError, parse_instant

#: the error type a refused date carries (``web/app.py`` tells it as ``input-bad-date``)
BAD_DATE = "bad_date"
_DAY = r"\d{4}-\d{2}-\d{2}"
_DATE = re.compile(_DAY)
_MOMENT = re.compile(_DAY + r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?)?")


def _refuse(value: Any) -> PydanticCustomError:
    text = str(value)[:40]
    return PydanticCustomError(BAD_DATE, "'{text}' is not a date: write YYYY-MM-DD", {"text": text})


def iso_date(value: Any) -> date:
    """A date written ``YYYY-MM-DD``; anything else refused."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _refuse(value)


def iso_moment(value: Any) -> datetime:
    """A moment written in ISO 8601, read as every "as of" is (``catalog/instants.py``): an
    offset or ``Z`` honoured, a time without one in Vietnam time, a date alone everything
    recorded by the end of that day in Vietnam; the store's naive UTC."""
    if isinstance(value, str) and _MOMENT.fullmatch(value.strip()):
        try:
            return parse_instant(value.strip(), "as_of")
        except InstantError:
            raise _refuse(value) from None
    if isinstance(value, datetime):
        return value
    raise _refuse(value)


#: a date query parameter (``YYYY-MM-DD``)
QueryDate = Annotated[date, BeforeValidator(iso_date)]
#: a moment query parameter (ISO 8601: a date, or a date and a time)
QueryMoment = Annotated[datetime, BeforeValidator(iso_moment)]
