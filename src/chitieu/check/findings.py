"""Validation findings as data, and the report that collects them.

A finding has a stable type (``unknown-indicator``), a severity, a location (file, sheet, row,
column; or unit, indicator, period), the offending value and parameters. Its title, message
and hint come, in Vietnamese and English, from the files of :data:`MESSAGE_FILES` (read
together, once) or, for a validation rule's finding, from the rule itself (its file may be
the user's). No module adds messages as a side effect of being imported.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from chitieu.catalog.datafiles import load_yaml

#: findings kept in a report before it says it was capped
DEFAULT_CAP = 2000


class Severity(StrEnum):
    """How much a finding matters: errors block a write, warnings inform."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


#: every file of finding messages: (package, file in its data/ folder)
MESSAGE_FILES = (
    ("chitieu.check", "messages.yaml"),
    ("chitieu.check", "messages_input.yaml"),  # hostile files, numbers, domains (issue 11)
    ("chitieu.check", "messages_forms.yaml"),  # official forms' sheets (issue 18)
    ("chitieu.benchmark", "messages.yaml"),
    ("chitieu.collect.layouts", "messages_dhis2.yaml"),  # DHIS2 payloads' conflicts (issue 21)
)


@cache
def messages() -> dict[str, dict[str, dict[str, str]]]:
    """Message templates by finding type, from every file of :data:`MESSAGE_FILES`."""
    out: dict[str, dict[str, dict[str, str]]] = {}
    for package, name in MESSAGE_FILES:
        path = resources.files(package) / "data" / name
        if not path.is_file():
            continue
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
        for k, v in data.items():
            if k in out:
                raise KeyError(f"finding type {k} has messages in two files")
            out[k] = {
                part: {lang: unicodedata.normalize("NFC", t) for lang, t in v[part].items()}
                for part in v
            }
    return out


#: the fields of a finding its messages may name
_PLACE = ("type", "severity", "value", "file", "sheet", "row", "column", "indicator", "unit",
          "period", "imbalance", "rule", "cell")  # fmt: skip


class _Params(dict):
    def __missing__(self, key: str) -> str:
        return ""


@dataclass
class Finding:
    """One problem found in input or stored data."""

    type: str
    severity: Severity = Severity.ERROR
    value: Any = None
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    indicator: str | None = None
    unit: str | None = None
    period: str | None = None
    imbalance: float | None = None
    rule: str | None = None
    #: the spreadsheet cell, e.g. ``E12`` (with ``sheet``: ``'Biểu 01'!E12``)
    cell: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    #: a validation rule's own title, message and hint (other findings: MESSAGE_FILES)
    templates: dict[str, dict[str, str]] | None = field(default=None, repr=False, compare=False)

    def _fill(self, part: str, lang: str) -> str:
        tpl = (self.templates or messages().get(self.type, {})).get(part, {}).get(lang)
        if tpl is None:
            return self.type if part == "title" else ""
        ctx = _Params({k: v for k in _PLACE if (v := getattr(self, k)) is not None})
        ctx.update({k: v for k, v in self.params.items() if v is not None})
        return tpl.format_map(ctx)

    def title(self, lang: str = "vi") -> str:
        """Short name of the finding type."""
        return self._fill("title", lang)

    def message(self, lang: str = "vi") -> str:
        """What is wrong."""
        return self._fill("message", lang)

    def hint(self, lang: str = "vi") -> str:
        """How to fix it."""
        return self._fill("hint", lang)

    @property
    def place(self) -> str:
        """Where it is, e.g. ``data.xlsx, sheet Data, row 12, column value``."""
        bits = [
            self.file,
            f"sheet {self.sheet}" if self.sheet else None,
            f"cell {self.cell}" if self.cell else None,
            f"row {self.row}" if self.row is not None else None,
            f"column {self.column}" if self.column else None,
            "/".join(x for x in (self.unit, self.indicator, self.period) if x) or None,
        ]
        return ", ".join(b for b in bits if b)

    @property
    def address(self) -> str | None:
        """The cell as a spreadsheet user reads it: ``'Biểu 01'!E12`` (None without a cell)."""
        if not self.cell:
            return None
        if not self.sheet:
            return self.cell
        return "'" + self.sheet.replace("'", "''") + "'!" + self.cell

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with messages in both languages."""
        d: dict[str, Any] = {
            "type": self.type,
            "rule": self.rule or self.type,
            "severity": str(self.severity),
            "title": {lang: self.title(lang) for lang in ("vi", "en")},
            "message": {lang: self.message(lang) for lang in ("vi", "en")},
            "hint": {lang: self.hint(lang) for lang in ("vi", "en")},
            "value": self.value,
        }
        for k in (
            "file",
            "sheet",
            "cell",
            "row",
            "column",
            "unit",
            "indicator",
            "period",
            "imbalance",
        ):
            v = getattr(self, k)
            if v is not None:
                d[k] = v
        if self.cell:
            d["address"] = self.address
        return d


@dataclass
class Report:
    """All findings of one check run (an import, a batch validation)."""

    findings: list[Finding] = field(default_factory=list)
    cap: int = DEFAULT_CAP
    dropped: int = 0
    stats: dict[str, Any] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    severities: Counter[str] = field(default_factory=Counter)
    #: (type, severity) of the findings counted but not kept
    uncounted: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, finding: Finding) -> None:
        """Record a finding (counted always, kept while under the cap)."""
        self.counts[finding.type] += 1
        self.severities[str(finding.severity)] += 1
        if len(self.findings) < self.cap:
            self.findings.append(finding)
        else:
            self.dropped += 1
            self.uncounted[(finding.type, str(finding.severity))] += 1

    def count(self, type_: str, severity: Severity | str, n: int = 1) -> None:
        """Count findings beyond the cap without making them (``n`` of one type)."""
        if n <= 0:
            return
        self.counts[type_] += n
        self.severities[str(severity)] += n
        self.dropped += n
        self.uncounted[(type_, str(severity))] += n

    def merge(self, other: Report) -> None:
        """Add another report's findings, and its counts of those it did not keep."""
        self.extend(other.findings)
        for (type_, severity), n in other.uncounted.items():
            self.count(type_, severity, n)

    def extend(self, findings: list[Finding]) -> None:
        """Record several findings."""
        for f in findings:
            self.add(f)

    @property
    def errors(self) -> int:
        """Number of blocking findings."""
        return self.severities[Severity.ERROR]

    @property
    def warnings(self) -> int:
        """Number of warnings."""
        return self.severities[Severity.WARNING]

    @property
    def valid(self) -> bool:
        """True when nothing blocks."""
        return self.errors == 0

    @property
    def capped(self) -> bool:
        """True when some findings were counted but not kept."""
        return self.dropped > 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready report: header (validity, counts, cap) and findings."""
        return {
            "valid": self.valid,
            "errors": self.errors,
            "warnings": self.warnings,
            "counts": dict(sorted(self.counts.items())),
            "capped": self.capped,
            "cap": self.cap,
            "shown": len(self.findings),
            "stats": self.stats,
            "findings": [f.to_dict() for f in self.findings],
        }

    def to_json(self) -> str:
        """The report as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, default=str)
