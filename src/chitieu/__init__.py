"""chitieu: sector statistics and performance reviews (chỉ tiêu: indicator, target)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chitieu.store.values import Store

__version__ = "0.1.0"


def open_store(url: str | None = None, *, migrate: bool = True) -> Store:
    """The store at ``url`` (``CHITIEU_DB``, else ``chitieu.db`` here) with the analytics
    model attached, so that every write keeps the analytics tables up to date: what the CLI,
    the web app, the demo and the benchmarks open."""
    from chitieu.analyze.cube import CubeRules
    from chitieu.store.values import Store

    return Store(url, migrate=migrate, analytics=CubeRules())
