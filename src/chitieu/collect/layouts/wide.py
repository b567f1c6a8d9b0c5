"""The official forms' sheets ("Biểu số …"): the wide reader lands in the next commit."""

from __future__ import annotations

from chitieu.collect.layouts.base import ImportResult, Source

NAME = "form"
TITLE = {"vi": "Biểu mẫu chính thức (Biểu số …)", "en": "Official report form (Biểu số …)"}


def detect(source: Source) -> int:
    """0: not yet."""
    return 0


def read(source: Source) -> ImportResult:  # pragma: no cover - not yet
    raise NotImplementedError
