"""The registry of output formats and what every renderer shares (the render job, its
templates, files written whole or not at all). The renderers import this module, never the
package, so that the package can load them without an import cycle.

This module is light (no Jinja2, no renderer imported until used): the CLI's entry point reads
the registry before anything heavy is loaded, to know whether a report needs the render
workers. Every place that offers, accepts or serves a format reads it here — the web's
downloads and media types, the CLI's ``--format`` and its default, the workers' start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chitieu.atomic import atomic_path

if TYPE_CHECKING:
    from jinja2 import Environment

    from chitieu.report.model import Document


@dataclass
class RenderJob:
    """One document to render: where, with which templates, and the charts' static images."""

    doc: Document
    out_dir: Path
    stem: str
    templates: Path | None = None
    images: dict[str, Path] = field(default_factory=dict)  # chart id → PNG
    plotly: dict[str, dict] = field(default_factory=dict)  # chart id → figure JSON
    pdf_variant: str | None = None  # e.g. "pdf/a-2b" for an edition's archive copy

    def env(self) -> Environment:
        """Jinja2 templates: the user's folder first, then the package's."""
        from jinja2 import (
            BaseLoader,
            ChoiceLoader,
            Environment,
            FileSystemLoader,
            PackageLoader,
            StrictUndefined,
        )

        loaders: list[BaseLoader] = (
            [FileSystemLoader(str(self.templates))] if self.templates else []
        )
        loaders.append(PackageLoader("chitieu.report", "templates"))
        env = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=lambda name: bool(name and name.endswith(".html.j2")),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        env.filters["md"] = md_escape
        return env

    def template_file(self, name: str) -> Path | None:
        """A user-supplied file (e.g. reference.docx) from --templates, if present."""
        if self.templates and (self.templates / name).is_file():
            return self.templates / name
        return None


def md_escape(text: str) -> str:
    """Escape Markdown's emphasis and table characters in a cell or list item."""
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_").replace("|", "\\|")


Renderer = Callable[[RenderJob, Path], None]


#: which document a format renders: the review report (``build_report``) or the conference
#: slide deck (``report/slides_build.py``; its function takes a ``Deck``, not a ``RenderJob``)
REPORT, SLIDES = "report", "slides"


@dataclass(frozen=True)
class Format:
    """A registered output format: its name and file suffix, how the web serves it, what the
    build prepares for it, and the function that writes it."""

    name: str
    suffix: str
    #: the function, or ``"module:function"`` imported when the format is first rendered
    renderer: Renderer | str
    media_type: str = "application/octet-stream"
    #: charts drawn as PNG images first (by the chart worker; the PDF by the print worker)
    needs_images: bool = False
    #: the charts' plotly figures (the HTML draws them in the browser)
    needs_plotly: bool = False
    #: written by ``chitieu report`` when ``--format`` is left out
    default: bool = True
    #: False: the file links to others beside it (images, plotly.js), so the web also offers
    #: it as a zip of its folder
    self_contained: bool = True
    document: str = REPORT

    @property
    def render(self) -> Renderer:
        """The function that writes this format (imported on first use)."""
        if isinstance(self.renderer, str):
            module, _, name = self.renderer.partition(":")
            fn: Renderer = getattr(import_module(module), name)
            return fn
        return self.renderer

    @property
    def needs_workers(self) -> bool:
        """Does writing it use the render workers (chart images, the PDF's print)?"""
        return self.needs_images


_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
_R = "chitieu.report.render."

#: every output format by name: the built-ins here, others added by :func:`register_renderer`
_FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("docx", ".docx", _R + "docx:render_docx", _DOCX, needs_images=True),
        Format("pdf", ".pdf", _R + "html:render_pdf", "application/pdf", needs_images=True),
        Format(
            "html",
            ".html",
            _R + "html:render_html",
            "text/html; charset=utf-8",
            needs_plotly=True,
            self_contained=False,
        ),
        Format(
            "md",
            ".md",
            _R + "md:render_md",
            "text/markdown; charset=utf-8",
            needs_images=True,
            self_contained=False,
        ),
        Format("pptx", ".pptx", _R + "pptx:write_pptx", _PPTX, default=False, document=SLIDES),
    )
}
#: the built-in formats, restored by :func:`unregister` (tests add and take away formats)
BUILTIN = dict(_FORMATS)


def register_renderer(
    name: str,
    suffix: str,
    render: Renderer | str,
    needs_images: bool = False,
    needs_plotly: bool = False,
    **more: Any,
) -> Format:
    """Add (or replace) an output format; ``more``: the other fields of :class:`Format`
    (``media_type``, ``default``, ``self_contained``, ``document``)."""
    fmt = Format(name, suffix, render, needs_images=needs_images, needs_plotly=needs_plotly, **more)
    _FORMATS[name] = fmt
    return fmt


def unregister(name: str) -> None:
    """Take a format away (a built-in one comes back as it was built in)."""
    _FORMATS.pop(name, None)
    if name in BUILTIN:
        _FORMATS[name] = BUILTIN[name]


def registered(document: str = REPORT) -> dict[str, Format]:
    """The formats of ``document`` (the review report by default), by name, in order."""
    return {k: f for k, f in _FORMATS.items() if f.document == document}


def default_names(document: str = REPORT) -> list[str]:
    """The formats written when none is asked for."""
    return [k for k, f in registered(document).items() if f.default]


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text whole or not at all."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
