"""A batch of values sent to ``POST /api/v1/values``: checked value by value, and its findings
told by their index in the batch.

Every value goes through the import's ``RowChecker`` (its place: ``row`` = index + 1); a key
(indicator, unit, period, kind) given twice is a ``batch-duplicate`` naming both indices, an
empty batch an ``empty-batch``. :func:`indexed` gives every finding of the report the
``index`` of the value it concerns, and the ``indices`` of the batch's values a rule reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chitieu.check.findings import Finding, Report
from chitieu.collect.rows import RowChecker
from chitieu.store.rows import NewValue

Key = tuple[str, str, str, str]


def indexed(report: Report, index_of: Mapping[Key, int]) -> dict[str, Any]:
    """The report as JSON, each finding with the ``index`` of the value it concerns in the
    batch (0-based; ``row`` is that index + 1) and, when it reads several values of the
    batch (a rule, a duplicate), their ``indices``."""
    out = report.to_dict()
    for f, d in zip(report.findings, out["findings"], strict=True):
        if f.row is not None:
            d["index"] = f.row - 1
        if f.type == "batch-duplicate":
            d["indices"] = [f.params["first_index"], f.params["index"]]
        elif f.rule and "operands" in f.params:
            kind = f.params.get("kind")
            keys = ((op, f.unit, f.period, kind) for op in f.params["operands"].split(", "))
            got = sorted({index_of[k] for k in keys if k in index_of})  # type: ignore[index]
            if got:
                d["indices"] = got
                d.setdefault("index", got[0])
    return out


def check_batch(
    checker: RowChecker, values: Sequence[Any], report: Report
) -> tuple[list[NewValue], dict[Key, int]]:
    """The batch's values that read well, and the index of each key; findings at ``row``
    index + 1 (an empty batch, a key given twice: findings too)."""
    if not values:
        report.add(Finding("empty-batch"))
    new: list[NewValue] = []
    index_of: dict[Key, int] = {}
    for i, v in enumerate(values):
        got = checker.check(v.model_dump(), {"row": i + 1})
        if isinstance(got, list):
            report.extend(got)
            continue
        first = index_of.setdefault(got.key, i)
        if first == i:
            new.append(got)
            continue
        report.add(
            Finding(
                "batch-duplicate", value=got.value, row=i + 1, column="indicator",
                indicator=got.indicator, unit=got.unit, period=got.period,
                params={"index": i, "first_index": first, "kind": str(got.kind)},
            )
        )  # fmt: skip
    return new, index_of
