"""The review report: facts → narrative, tables, charts, key tasks → DOCX, PDF, HTML, Markdown.

``build_report(store, "2023S1", formats=("docx", "pdf", "html", "md"), out_dir=...)`` writes
the report; ``register_section`` adds a section and ``register_renderer`` a format.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chitieu.report.build import build_document, build_report, make_context
    from chitieu.report.model import register_section
    from chitieu.report.render import register_renderer

#: name → module; loaded on first use, so that ``chitieu.report.workers`` starts light
_LAZY = {
    "build_document": "chitieu.report.build",
    "build_report": "chitieu.report.build",
    "make_context": "chitieu.report.build",
    "register_section": "chitieu.report.model",
    "register_renderer": "chitieu.report.render",
}

__all__ = [
    "build_document",
    "build_report",
    "make_context",
    "register_renderer",
    "register_section",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'chitieu.report' has no attribute {name!r}")
