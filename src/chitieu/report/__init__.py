"""The review report: facts → narrative, tables, charts, key tasks → DOCX, PDF, HTML, Markdown.

``build_report(store, "2023S1", formats=("docx", "pdf", "html", "md"), out_dir=...)`` writes
the report; ``register_section`` adds a section and ``register_renderer`` a format.
"""

from chitieu.report.build import build_document, build_report, make_context
from chitieu.report.model import register_section
from chitieu.report.render import register_renderer

__all__ = [
    "build_document",
    "build_report",
    "make_context",
    "register_renderer",
    "register_section",
]
