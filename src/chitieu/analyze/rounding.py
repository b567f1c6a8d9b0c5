"""Rounding as officials do (half up, not to even), one value or a column of them."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np

__all__ = ["PCT_DECIMALS", "as_list", "round_half_up", "round_half_up_array", "rounded_list"]

#: decimals a percentage is stated with ("8,66%", "39,6%": trailing zeros dropped in text)
PCT_DECIMALS = 2


def round_half_up(x: float | None, decimals: int = PCT_DECIMALS) -> float | None:
    """Round as officials do (0,125 → 0,13), not banker's rounding."""
    if x is None:
        return None
    q = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(x)).quantize(q, rounding=ROUND_HALF_UP))


def round_half_up_array(x: np.ndarray, decimals: int = PCT_DECIMALS) -> np.ndarray:
    """:func:`round_half_up` of every element (NaN stays NaN), the same floats, on columns.

    ``floor(|x| · 10^d + ½)`` is the rounding wherever ``|x| · 10^d`` is not within float
    error of a half; those few are rounded by :func:`round_half_up` itself.
    """
    scale = 10.0**decimals
    y = np.abs(x) * scale
    out = np.sign(x) * np.floor(y + 0.5) / scale
    frac = y - np.floor(y)
    near = np.abs(frac - 0.5) < 1e-9 * np.maximum(1.0, y)
    for i in np.flatnonzero(near & ~np.isnan(x)):
        out[i] = round_half_up(float(x[i]), decimals)
    return out


def as_list(a: np.ndarray, integer: bool = False) -> list[Any]:
    """A column as Python numbers (ints if ``integer``), None where NaN."""
    nan = np.isnan(a)
    o = (np.where(nan, 0, a).astype(np.int64) if integer else a).astype(object)
    o[nan] = None
    return o.tolist()


def rounded_list(x: np.ndarray) -> list[float | None]:
    """A column rounded half up, as Python floats, None where NaN."""
    return as_list(round_half_up_array(x))
