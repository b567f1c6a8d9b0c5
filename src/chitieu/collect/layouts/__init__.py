"""File layouts: each way a file may hold values, recognised by itself and read into values.

A layout is a module with a ``NAME``, a ``TITLE`` ({"vi", "en"}) and two functions:

* ``detect(source: Source) -> int`` — how surely the file is of this layout: 0 not at all;
  the highest score wins (ties: the order of :data:`MODULES`). It looks at what it needs
  (``source.suffix``, ``source.head()``, ``source.table``, ``source.sheets()``), each read
  once for all layouts, within the reader's limits;
* ``read(source: Source) -> ImportResult`` — the file's values, where each came from
  (``places``: file, sheet, row, cell, column), the findings (each placed at its sheet and
  cell), the replace scopes of an official form, nothing written.

``chitieu import`` (``collect.importer.import_file``) asks :func:`choose` and stores what
the layout read through the one write path (``collect.ingest``). The layouts are listed in
:data:`MODULES` (a new one adds its module's name there) or added at run time with
:func:`register`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol

from chitieu.collect.layouts.base import VALUES_SHOWN, ImportResult, Options, Source

__all__ = [
    "MODULES",
    "VALUES_SHOWN",
    "ImportResult",
    "Layout",
    "Options",
    "Source",
    "choose",
    "layouts",
    "register",
]

#: the layout modules shipped (or "module:attribute" of a :class:`Layout`), in the order that
#: breaks a tie of scores
MODULES: tuple[str, ...] = (
    "chitieu.collect.layouts.wide",
    "chitieu.collect.layouts.long",
    "chitieu.collect.layouts.dhis2_import:JSON_LAYOUT",  # issue 21: DHIS2 data value sets
    "chitieu.collect.layouts.dhis2_import:CSV_LAYOUT",
    "chitieu.collect.layouts.dhis2_import:ADX_LAYOUT",
)


class _Detect(Protocol):
    def __call__(self, source: Source) -> int: ...


class _Read(Protocol):
    def __call__(self, source: Source) -> ImportResult: ...


@dataclass(frozen=True)
class Layout:
    """A registered layout."""

    name: str
    title: dict[str, str]
    detect: _Detect
    read: _Read

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"name": self.name, "title": dict(self.title)}


_EXTRA: list[Layout] = []


def _of(module: ModuleType | Layout) -> Layout:
    if isinstance(module, Layout):
        return module
    title = getattr(module, "TITLE", {"vi": module.NAME, "en": module.NAME})
    return Layout(module.NAME, title, module.detect, module.read)


def layouts() -> list[Layout]:
    """Every layout: the shipped ones (:data:`MODULES`), then those registered."""
    return [_of(_load(m)) for m in MODULES] + list(_EXTRA)


def _load(entry: str) -> ModuleType | Layout:
    """A layout module, or a :class:`Layout` named "module:attribute"."""
    name, _, attr = entry.partition(":")
    module = importlib.import_module(name)
    return getattr(module, attr) if attr else module


def register(layout: Layout | ModuleType) -> Layout:
    """Add a layout (a module with NAME, detect, read; or a :class:`Layout`); one of the
    same name is replaced."""
    got = layout if isinstance(layout, Layout) else _of(layout)
    _EXTRA[:] = [x for x in _EXTRA if x.name != got.name] + [got]
    return got


def find(name: str) -> Layout | None:
    """The layout of this name, if any."""
    return next((x for x in reversed(layouts()) if x.name == name), None)


def choose(source: Source) -> Layout:
    """The layout ``source`` is in: the one named by its options, else the one whose
    ``detect`` is surest (the long layout, which reports what it cannot read, if none is)."""
    every = layouts()
    if source.options.layout is not None:
        named = find(source.options.layout)
        if named is not None:
            return named
    best, score = None, 0
    for layout in every:
        got = layout.detect(source)
        if got > score:
            best, score = layout, got
    return best or next(x for x in every if x.name == "long")
