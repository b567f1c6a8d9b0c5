"""The one helper for values kept per process under a store's data version.

A value computed from a store (a fact set, a benchmark run, a built report, the list of
periods with data) stays right while the store's data version (``Store.data_version``: the
values, the batches, the approval settings, the peer figures, the key tasks…) is unchanged;
a write changes the version, so the next look-up misses and the value is computed again. No
invalidation is needed, and two processes (web workers) never disagree for long.

``version_key(store, *parts)`` is the key: the store's identity (its database URL, or the
engine of an in-memory database), its data version, then the caller's parts.
``VersionedCache(size)`` keeps the ``size`` most recently used values, thread-safe.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from chitieu.store import StoreLike

V = TypeVar("V")

__all__ = ["VersionedCache", "store_identity", "version_key"]


def store_identity(store: StoreLike) -> Hashable:
    """What tells one store from another: its database URL, or (an in-memory database, whose
    URL every such store shares) its engine."""
    url = store.engine.url
    return str(url) if url.database not in (None, "", ":memory:") else id(store.engine)


def version_key(store: StoreLike, *parts: Hashable) -> tuple[Hashable, ...]:
    """(the store, its data version, *parts): a key that changes with any write."""
    return (store_identity(store), store.data_version(), *parts)


class VersionedCache(Generic[V]):
    """Values by :func:`version_key` keys, the least recently used dropped beyond ``size``."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple[Hashable, ...], V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Hashable, ...]) -> V | None:
        """The value kept under ``key`` (marked recently used), or None."""
        with self._lock:
            got = self._items.get(key)
            if got is not None:
                self._items.move_to_end(key)
            return got

    def put(self, key: tuple[Hashable, ...], value: V) -> None:
        """Keep ``value`` under ``key``."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get_or_make(self, key: tuple[Hashable, ...], make: Callable[[], V]) -> V:
        """The value under ``key``, made (outside the lock: two threads may both make it, and
        the later one is kept) and kept if there is none."""
        got = self.get(key)
        if got is None:
            got = make()
            self.put(key, got)
        return got

    def clear(self) -> None:
        """Forget every value (benchmarks time the computation)."""
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
