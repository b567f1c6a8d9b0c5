"""Roll-ups shared by groups of stored values whose periods are alike (speed for facts.py).

A review period's fact table rolls up tens of thousands of (indicator, unit) groups, almost
all with values for the same periods. ``catalog.periods.roll_up`` is run once per pattern of
present periods with symbols in place of values; the arithmetic it did is then replayed with
each group's numbers, in the same order, so every result is the float roll_up would give.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from chitieu.catalog.periods import Period, TimeRule, periods_within, roll_up


class _Sym:
    """Stands for a stored value while roll_up runs, to record the arithmetic it does.

    ``sum`` starts at 0, so ``0 + x`` opens a sum node; the recorded expression is replayed
    with the real values by Python itself (``sum``, ``*``, ``/`` in the same order), so the
    result is the same float as roll_up's.
    """

    __slots__ = ("code", "items")

    def __init__(self, code: str, items: tuple[str, ...] = ()) -> None:
        self.code, self.items = code, items

    def __radd__(self, other: int) -> _Sym:
        return _Sym("", (self.expr,))  # sum(): 0 + first item

    def __add__(self, other: _Sym) -> _Sym:
        return _Sym("", (*self.items, other.expr))  # sum(): running total + next item

    def __mul__(self, n: int) -> _Sym:
        return _Sym(f"({self.expr} * {int(n)})")

    def __truediv__(self, n: int) -> _Sym:
        return _Sym(f"({self.expr} / {int(n)})")

    @property
    def expr(self) -> str:
        """Python source of the value (``v[i]`` is the i-th stored value)."""
        return self.code or f"sum(({', '.join(self.items)},))"


#: (replay, the periods whose values it takes, the periods roll_up used), or None
Recipe = tuple[Callable[[list[float]], float], tuple[str, ...], tuple[str, ...]] | None


@cache
def within(p: Period) -> tuple[str, ...]:
    return tuple(q.id for q in periods_within(p))


def recipe(p: Period, rule: TimeRule, have: frozenset[str]) -> Recipe:
    """How roll_up makes ``p`` when the periods ``have`` hold values: (replay, leaves, sources)."""
    leaves: list[str] = []

    def get(pid: str) -> _Sym | None:
        if pid not in have:
            return None
        leaves.append(pid)
        return _Sym(f"v[{len(leaves) - 1}]")

    r = roll_up(get, p, rule)  # type: ignore[arg-type]
    if r is None:
        return None
    value = r.value if isinstance(r.value, _Sym) else _Sym(repr(r.value))
    replay = eval(f"lambda v: {value.expr}", {"sum": sum})  # source made above: no user text
    return replay, tuple(leaves), r.sources
