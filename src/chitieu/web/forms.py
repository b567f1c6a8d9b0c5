"""Reporting forms: which indicators a unit reports, per period type, as which kind, by when.

The web code reads forms only through :func:`forms` and :class:`ReportingForm`, so the source of
the definitions (``forms.yaml`` here) can later be pointed at the shared catalog loader.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from chitieu.catalog.indicators import Text, catalog
from chitieu.catalog.periods import Period, PeriodType, parse_period
from chitieu.catalog.units import registry
from chitieu.catalog.vocabulary import Kind
from chitieu.errors import CatalogError, PeriodError, UnitError

#: deadlines fall at the end of the day in Vietnam
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class ReportingForm:
    """One reporting form."""

    code: str
    name: Text
    period_type: PeriodType
    kind: str
    indicators: tuple[str, ...]
    units: str | tuple[str, ...]  # "provinces" or explicit unit ids
    deadline_days: int

    def accepts(self, period: Period) -> bool:
        """Whether ``period`` is of this form's period type."""
        return period.type == self.period_type

    def period(self, text: str) -> Period:
        """Parse ``text`` as a period of this form; PeriodError if it is of another type."""
        p = parse_period(text)
        if not self.accepts(p):
            raise PeriodError(
                f"{p.id} is not a {self.period_type} period",
                f"form {self.code} is reported per {self.period_type}",
            )
        return p

    def units_for(self, period: Period) -> list[str]:
        """The units that must report this form for ``period``."""
        if self.units == "provinces":
            return [u.id for u in registry().provinces(period.end)]
        return list(self.units)

    def deadline(self, period: Period) -> date:
        """The last day (Vietnam time) a report for ``period`` is on time."""
        return period.end + timedelta(days=self.deadline_days)

    def deadline_utc(self, period: Period) -> datetime:
        """The deadline's last instant, as a naive UTC time (the store keeps UTC)."""
        local = datetime.combine(self.deadline(period), time(23, 59, 59), VN_TZ)
        return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "code": self.code,
            "name": {"vi": self.name.vi, "en": self.name.en},
            "period_type": str(self.period_type),
            "kind": self.kind,
            "indicators": list(self.indicators),
            "units": self.units if isinstance(self.units, str) else list(self.units),
            "deadline_days": self.deadline_days,
        }


def _nfc(s: Any) -> str:
    return unicodedata.normalize("NFC", str(s))


def _parse(raw: dict[str, Any], problems: list[str]) -> ReportingForm | None:
    code = str(raw.get("code", "")).strip()
    where = f"forms.yaml, form {code or '?'}"
    cat = catalog()
    try:
        ptype = PeriodType(raw.get("period_type"))
    except ValueError:
        problems.append(f"{where}: period_type must be one of {', '.join(PeriodType)}")
        return None
    kind = str(raw.get("kind", Kind.ACTUAL))
    if kind not in tuple(Kind):
        problems.append(f"{where}: kind must be one of {', '.join(Kind)}")
    inds = tuple(raw.get("indicators") or ())
    for ind in inds:
        if ind not in cat.indicators:
            problems.append(f"{where}: unknown indicator {ind}")
        elif cat.indicators[ind].is_derived:
            problems.append(f"{where}: {ind} is derived (computed), it cannot be reported")
    units = raw.get("units", "provinces")
    if units != "provinces":
        units = tuple(units)
        for u in units:
            try:
                registry().get(u)
            except UnitError:
                problems.append(f"{where}: unknown unit id {u}")
    name = raw.get("name") or {}
    if not code or not inds or not name.get("vi") or not name.get("en"):
        problems.append(f"{where}: code, name.vi, name.en and indicators are required")
        return None
    return ReportingForm(
        code,
        Text(_nfc(name["vi"]), _nfc(name["en"])),
        ptype,
        kind,
        inds,
        units,
        int(raw.get("deadline_days", 0)),
    )


@cache
def forms() -> dict[str, ReportingForm]:
    """Every reporting form by code; all problems of the file reported at once."""
    text = (resources.files("chitieu.web") / "forms.yaml").read_text(encoding="utf-8")
    problems: list[str] = []
    out: dict[str, ReportingForm] = {}
    for raw in yaml.safe_load(text).get("forms", []):
        f = _parse(raw, problems)
        if f is not None:
            out[f.code] = f
    if problems:
        raise CatalogError("invalid reporting forms:\n  " + "\n  ".join(problems), "fix forms.yaml")
    return out
