"""What the demo's synthetic figures are made of: the label every synthetic row carries, the
headline indicators, each province's weight (a new province weighs the sum of its parts) and an
exact split of a total by weights. Shared by the series (``build``), the timeline (``late``)
and the reports (``accounts``)."""

from __future__ import annotations

import random

from chitieu.catalog.units import registry

SYNTHETIC = "synthetic demo data (not an official figure)"
HEADLINE = ("ICT_REVENUE", "ICT_BUDGET", "ICT_GDP", "ICT_LABOUR")


def split_exact(total: int, weights: list[float]) -> list[int]:
    """Integers proportional to ``weights`` that add up to ``total`` exactly (largest remainder)."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


def weights() -> dict[str, float]:
    """Synthetic weight of each old province; a new province weighs the sum of its parts."""
    reg = registry()
    rng = random.Random(2023)
    big = {"01": 18.0, "79": 24.0, "48": 3.0, "31": 3.0, "92": 1.5}
    w = {u.id: big.get(u.code, rng.uniform(0.3, 1.6)) for u in reg.units() if u.system == "63"}
    for old, new in reg.crosswalk():
        w[new] = w.get(new, 0.0) + w[old]
    return w
