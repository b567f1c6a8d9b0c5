"""Renderers of the document model, one per format, in one registry (built-ins use it too).

The registry and the renderers' shared pieces are in ``base``: each format's name, suffix,
media type, what the build prepares for it and its function (a built-in one imported when
first rendered). ``formats()`` is what the web offers, the CLI accepts and the workers read.
"""

from __future__ import annotations

from chitieu.report.render.base import (
    _FORMATS,
    REPORT,
    SLIDES,
    Format,
    Renderer,
    RenderJob,
    default_names,
    md_escape,
    register_renderer,
    registered,
    unregister,
    write_text,
)

__all__ = [
    "REPORT",
    "SLIDES",
    "_FORMATS",
    "Format",
    "RenderJob",
    "Renderer",
    "default_names",
    "formats",
    "md_escape",
    "register_renderer",
    "unregister",
    "write_text",
]


def formats(document: str = REPORT) -> dict[str, Format]:
    """The registered formats of ``document`` (the review report by default), by name."""
    return registered(document)
