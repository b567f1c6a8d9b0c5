"""A format-neutral review document: heading block, sections of blocks, annexes.

Renderers (``render/``) turn one :class:`Document` into Markdown, HTML, DOCX or PDF; sections
are built by functions registered with :func:`register_section`, so other work can add one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chitieu.report.charts import ChartSpec


@dataclass
class Heading:
    """A numbered heading: level 1 "I. KẾT QUẢ …", level 2 "1. …", level 3 "a) …"."""

    text: str
    level: int = 1
    kind: str = "heading"


@dataclass
class Paragraph:
    """Body text. ``style``: body | placeholder (for the analyst) | note | lead."""

    text: str
    style: str = "body"
    kind: str = "paragraph"


@dataclass
class BulletList:
    """A list of short items (each a sentence)."""

    items: list[str]
    kind: str = "list"


@dataclass
class Table:
    """A table of text cells; ``numeric`` marks right-aligned columns; ``notes`` below it."""

    columns: list[str]
    rows: list[list[str]]
    numeric: list[bool] = field(default_factory=list)
    caption: str = ""
    notes: list[str] = field(default_factory=list)
    bold_rows: list[int] = field(default_factory=list)
    kind: str = "table"


@dataclass
class Chart:
    """A chart (one definition, rendered interactively in HTML and as an image elsewhere)."""

    spec: ChartSpec
    kind: str = "chart"


Block = Heading | Paragraph | BulletList | Table | Chart


@dataclass
class Section:
    """A part of the report, in ``order``; ``annex`` sections start on a new page."""

    name: str
    blocks: list[Block]
    order: int = 0
    annex: bool = False


@dataclass
class DocMeta:
    """The heading block and closing of an administrative document (Decree 30/2020/NĐ-CP)."""

    lang: str
    issuer_parent: str
    issuer: str
    number: str
    motto1: str
    motto2: str
    place_date: str
    doc_type: str
    title: str
    signer_title: str
    signer_name: str
    recipients_label: str
    recipients: list[str]
    period: str
    unit: str


@dataclass
class Document:
    """The whole report."""

    meta: DocMeta
    sections: list[Section]

    @property
    def body(self) -> list[Section]:
        """Sections before the annexes."""
        return [s for s in self.sections if not s.annex]

    @property
    def annexes(self) -> list[Section]:
        """Annex sections."""
        return [s for s in self.sections if s.annex]

    def text(self) -> str:
        """All text of the document, one block per line (for tests and search)."""
        lines: list[str] = []
        for s in self.sections:
            for b in s.blocks:
                if isinstance(b, Heading | Paragraph):
                    lines.append(b.text)
                elif isinstance(b, BulletList):
                    lines.extend(b.items)
                elif isinstance(b, Table):
                    lines.extend(" | ".join(r) for r in [b.columns, *b.rows])
                    lines.extend(b.notes)
        return "\n".join(lines)


#: a section builder gets the report context and returns its section (or None to skip)
SectionBuilder = Callable[[Any], Section | None]
_SECTIONS: dict[str, tuple[int, SectionBuilder]] = {}


def register_section(name: str, builder: SectionBuilder, order: int) -> None:
    """Add (or replace) a section; sections appear by ``order`` (results 100 … annexes 900)."""
    _SECTIONS[name] = (order, builder)


def unregister_section(name: str) -> None:
    """Remove a section (e.g. in a test)."""
    _SECTIONS.pop(name, None)


def sections() -> list[tuple[str, int, SectionBuilder]]:
    """Registered sections in order."""
    return sorted(((n, o, b) for n, (o, b) in _SECTIONS.items()), key=lambda x: (x[1], x[0]))
