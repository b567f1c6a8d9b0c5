"""Renderers of the document model, one per format, in one registry (built-ins use it too).

The registry and the renderers' shared pieces are in ``base``; ``formats()`` loads the built-in
renderers (which register themselves) on first use.
"""

from __future__ import annotations

from chitieu.report.render.base import (
    _FORMATS,
    Format,
    Renderer,
    RenderJob,
    atomic_path,
    md_escape,
    register_renderer,
    write_text,
)

__all__ = [
    "Format",
    "RenderJob",
    "Renderer",
    "atomic_path",
    "formats",
    "md_escape",
    "register_renderer",
    "write_text",
]


def formats() -> dict[str, Format]:
    """Registered formats (built-ins loaded on first use, whichever renderer was imported
    before: the imports are cached, so this costs nothing after the first call)."""
    from chitieu.report.render import docx, html, md  # noqa: F401  (they register)

    return dict(_FORMATS)
