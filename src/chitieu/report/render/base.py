"""The registry of output formats and what every renderer shares (the render job, its
templates, files written whole or not at all). The renderers import this module, never the
package, so that the package can load them without an import cycle."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
)

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


@dataclass(frozen=True)
class Format:
    """A registered output format."""

    name: str
    suffix: str
    render: Renderer
    needs_images: bool = False
    needs_plotly: bool = False


_FORMATS: dict[str, Format] = {}


def register_renderer(
    name: str, suffix: str, render: Renderer, needs_images: bool = False, needs_plotly: bool = False
) -> None:
    """Add (or replace) an output format."""
    _FORMATS[name] = Format(name, suffix, render, needs_images, needs_plotly)


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``, moved onto it only if the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a report is for reading
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text whole or not at all."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
