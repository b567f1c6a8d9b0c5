"""Values to store, one by one (:class:`NewValue`) or as columns (:class:`Rows`).

A web save writes a handful of values, an import a million; both reach ``Store.write`` as
:class:`Rows`, whose columns are plain Python lists (what ``executemany`` and COPY send, and
what the current-value slabs are merged from) so that no object is made per value.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from chitieu.catalog.vocabulary import Status


@dataclass(frozen=True, slots=True)
class NewValue:
    """A value to store (one vintage of the key indicator × unit × period × kind).

    A ``value`` of None records a deletion.
    """

    indicator: str
    unit: str
    period: str
    kind: str
    value: float | None
    status: str = Status.PROVISIONAL
    comment: str | None = None
    method: str | None = None
    inputs: dict[str, Any] | None = None

    @property
    def key(self) -> tuple[str, str, str, str]:
        """(indicator, unit, period, kind)."""
        return (self.indicator, self.unit, self.period, str(self.kind))


_COLUMNS = ("indicator", "unit", "period", "kind", "value", "status", "comment", "method", "inputs")


def _columns(cols: Iterable[list[Any]]) -> Rows:
    """Rows from its columns, in the order of ``_COLUMNS``."""
    named: dict[str, Any] = dict(zip(_COLUMNS, cols, strict=True))
    return Rows(**named)


@dataclass
class Rows:
    """Values as columns of equal length (the columns of :class:`NewValue`)."""

    indicator: list[str] = field(default_factory=list)
    unit: list[str] = field(default_factory=list)
    period: list[str] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    value: list[float | None] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    comment: list[str | None] = field(default_factory=list)
    method: list[str | None] = field(default_factory=list)
    inputs: list[dict[str, Any] | None] = field(default_factory=list)
    #: integer codes of text columns, kept once made: column → (codes, distinct values)
    _coded: dict[str, tuple[Any, list[str]]] = field(default_factory=dict, repr=False,
                                                      compare=False)  # fmt: skip

    def coded(self, column: str) -> tuple[Any, list[str]]:
        """(a code per row, the distinct values in order of first appearance) of a column."""
        got = self._coded.get(column)
        if got is None:
            import numpy as np

            seen: dict[str, int] = {}
            codes = [seen.setdefault(v, len(seen)) for v in getattr(self, column)]
            got = np.fromiter(codes, dtype=np.int64, count=len(codes)), list(seen)
            self._coded[column] = got
        return got

    def with_codes(self, column: str, codes: Any, distinct: list[str]) -> Rows:
        """Give the codes of a column made elsewhere (a reader that had them)."""
        self._coded[column] = (codes, distinct)
        return self

    @classmethod
    def of(cls, values: Rows | Iterable[NewValue]) -> Rows:
        """``values`` as columns (a :class:`Rows` is returned as it is)."""
        if isinstance(values, Rows):
            return values
        vals = list(values)
        if not vals:
            return cls()
        cols = list(zip(*((v.indicator, v.unit, v.period, str(v.kind), v.value, str(v.status),
                           v.comment, v.method, v.inputs) for v in vals), strict=True))  # fmt: skip
        return _columns(list(c) for c in cols)

    @classmethod
    def filled(
        cls,
        indicator: list[str],
        unit: list[str],
        period: list[str],
        kind: list[str],
        value: list[float | None],
        status: list[str] | None = None,
        comment: list[str | None] | None = None,
    ) -> Rows:
        """Columns with the optional ones defaulted (provisional, no comment, no method)."""
        n = len(indicator)
        return cls(
            indicator, unit, period, kind, value,
            status if status is not None else [str(Status.PROVISIONAL)] * n,
            comment if comment is not None else [None] * n,
            [None] * n, [None] * n,
        )  # fmt: skip

    def __len__(self) -> int:
        return len(self.indicator)

    def __iter__(self) -> Iterator[NewValue]:
        for t in zip(*(getattr(self, c) for c in _COLUMNS), strict=True):
            yield NewValue(*t)

    def __getitem__(self, i: int) -> NewValue:
        return NewValue(*(getattr(self, c)[i] for c in _COLUMNS))

    def keys(self) -> Iterator[tuple[str, str, str, str]]:
        """(indicator, unit, period, kind) of every row."""
        return zip(self.indicator, self.unit, self.period, self.kind, strict=True)

    def take(self, index: Iterable[int]) -> Rows:
        """The rows at ``index``, in that order."""
        idx = list(index)
        return _columns([getattr(self, c)[i] for i in idx] for c in _COLUMNS)

    def keep(self, mask: Any) -> Rows:
        """The rows where the boolean array ``mask`` is true, in order, with the integer codes
        already made (kept for the columns that had them: a write that leaves out a few rows
        of a million does not code them again). Few rows left out: the lists are copied in
        runs between them."""
        import numpy as np

        drop = np.flatnonzero(~mask).tolist()
        if not drop:
            return self
        if len(drop) * 8 < len(self):
            bounds = [-1, *drop, len(self)]

            def pick(col: list[Any]) -> list[Any]:
                out: list[Any] = []
                for a, b in pairwise(bounds):
                    out.extend(col[a + 1 : b])
                return out
        else:
            idx = np.flatnonzero(mask).tolist()

            def pick(col: list[Any]) -> list[Any]:
                return [col[i] for i in idx]

        out = _columns(pick(getattr(self, c)) for c in _COLUMNS)
        for name, (codes, distinct) in self._coded.items():
            kept = codes[mask]
            used = np.bincount(kept, minlength=len(distinct)) > 0
            if used.all():
                out._coded[name] = (kept, distinct)
            else:  # the distinct values still present, codes renumbered in the same order
                renumber = np.cumsum(used) - 1
                out._coded[name] = (
                    renumber[kept],
                    [d for d, u in zip(distinct, used.tolist(), strict=True) if u],
                )
        return out

    def slices(self) -> set[tuple[str, str]]:
        """The (unit, period) slices the rows touch."""
        import numpy as np

        if not len(self):
            return set()
        uc, units = self.coded("unit")
        pc, pers = self.coded("period")
        pairs = np.unique(uc * len(pers) + pc).tolist()
        return {(units[x // len(pers)], pers[x % len(pers)]) for x in pairs}
