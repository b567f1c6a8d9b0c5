"""The header of a long-layout table: which column holds the indicator, the unit, the period…
(``collect.importer`` and ``collect.columns`` both read it)."""

from __future__ import annotations

from typing import Any

from chitieu.check.findings import Finding, Report, Severity
from chitieu.collect.rows import (
    _HEADERS,
    HEADER_ALIASES,
    REQUIRED,
    _norm,
    invisible_chars,
    invisible_text,
    visible,
    without_invisible,
)

__all__ = ["map_header"]


def map_header(
    header: list[str], file: str, sheet: str | None, report: Report
) -> dict[str, int] | None:
    """Column positions of the layout's columns; findings for unknown, duplicate, missing."""
    cols: dict[str, int] = {}
    for i, name in enumerate(header):
        place: dict[str, Any] = {"file": file, "sheet": sheet, "row": 1}
        if invisible_text(name):  # told, then read without it (no "missing column" as well)
            report.add(Finding("invisible-header", value=visible(name), column=visible(name),
                               params={"chars": invisible_chars(name), "position": i + 1},
                               **place))  # fmt: skip
            name = without_invisible(name)
        col = _HEADERS.get(_norm(name))
        if col is None:
            if name:
                shown = visible(name)
                report.add(
                    Finding("unknown-column", Severity.WARNING, value=shown, column=shown, **place)
                )
        elif col in cols:
            report.add(Finding("duplicate-column", value=name, column=col, **place))
        else:
            cols[col] = i
    for col in REQUIRED:
        if col not in cols:
            aliases = ", ".join(HEADER_ALIASES[col])
            report.add(
                Finding(
                    "missing-column",
                    file=file,
                    sheet=sheet,
                    row=1,
                    column=col,
                    params={"aliases": aliases},
                )
            )
    return cols if report.valid else None
