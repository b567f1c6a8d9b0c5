"""Make the dashboard's tile-grid map (src/chitieu/web/data/tilegrid.json) from data.

Source: the province centroids (provinceLat, provinceLon) of the ``vietnamadminunits`` package's
dataset.db (table admin_units for the 34 provinces from 1 July 2025, admin_units_legacy for the
63 before), the same package chitieu's unit registry reads. Each province gets one square of a
grid: its centroid is mapped to (column, row) at a cell size of ``CELL`` degrees, and the
provinces are placed north to south on the free cell nearest their point; then pairs of
provinces swap cells while that brings the grid closer to the centroids (least squares).
Abbreviations are the initials of the short name, lengthened where two would be the same.

Run:  .venv/bin/python scripts/make_tilegrid.py   (rewrites the JSON; commit it)
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from importlib.util import find_spec
from itertools import combinations
from pathlib import Path

OUT = Path(__file__).parent.parent / "src/chitieu/web/data/tilegrid.json"
#: degrees of latitude and longitude per cell, per system (the 63 need a finer grid)
CELL = {"34": (1.1, 0.8), "63": (0.8, 0.6)}
#: where the legend goes (column, row): the sea and Laos west of the central coast are empty
LEGEND = {"34": (0, 6), "63": (0, 8)}


def centroids(table: str) -> list[tuple[str, str, float, float]]:
    spec = find_spec("vietnamadminunits")
    assert spec and spec.submodule_search_locations
    db = Path(next(iter(spec.submodule_search_locations))) / "data" / "dataset.db"
    with sqlite3.connect(db) as c:
        rows = c.execute(
            f"select distinct provinceCode, provinceShort, provinceLat, provinceLon from {table}"
        ).fetchall()
    return sorted({r[0]: r for r in rows}.values())


def place(
    points: list[tuple[str, str, float, float]], cell: tuple[float, float]
) -> dict[str, list[int]]:
    lat_max = max(p[2] for p in points)
    lon_min = min(p[3] for p in points)
    ideal = {p[0]: ((p[3] - lon_min) / cell[1], (lat_max - p[2]) / cell[0]) for p in points}
    taken: dict[tuple[int, int], str] = {}
    for code, (cx, cy) in sorted(ideal.items(), key=lambda kv: kv[1][1]):
        free = ((x, y) for x in range(-2, 30) for y in range(-2, 40) if (x, y) not in taken)
        best = min(free, key=lambda c: (c[0] - cx) ** 2 + (c[1] - cy) ** 2)
        taken[best] = code
    pos = {code: c for c, code in taken.items()}

    def cost(code: str, c: tuple[int, int]) -> float:
        return (c[0] - ideal[code][0]) ** 2 + (c[1] - ideal[code][1]) ** 2

    improved = True
    while improved:
        improved = False
        for a, b in combinations(sorted(pos), 2):
            if cost(a, pos[b]) + cost(b, pos[a]) < cost(a, pos[a]) + cost(b, pos[b]) - 1e-9:
                pos[a], pos[b] = pos[b], pos[a]
                improved = True
    x0 = min(c[0] for c in pos.values())
    y0 = min(c[1] for c in pos.values())
    return {code: [c[0] - x0, c[1] - y0] for code, c in sorted(pos.items())}


def abbreviations(names: dict[str, str]) -> dict[str, str]:
    """Initials ("HN"); two alike get the next letter of the last word ("HNộ", "HNa"), or of
    the first where the last words are the same ("HàG", "HậG")."""

    def initials(name: str, extra: int) -> str:
        words = name.replace("-", " ").split()
        caps = [w[0].upper() for w in words]
        if extra and all(n.split()[-1] == words[-1] for n in twins.get(name, [name])):
            return words[0][: 1 + extra].capitalize() + "".join(caps[1:])
        return "".join(caps) + words[-1][1 : 1 + extra]

    extra = dict.fromkeys(names, 0)
    twins: dict[str, list[str]] = {}
    for _ in range(4):
        out = {code: initials(n, extra[code]) for code, n in names.items()}
        seen: dict[str, list[str]] = {}
        for code, a in out.items():
            seen.setdefault(a, []).append(code)
        for codes in (c for c in seen.values() if len(c) > 1):
            for code in codes:
                extra[code] += 1
                twins[names[code]] = [names[c] for c in codes]
    return {k: unicodedata.normalize("NFC", v) for k, v in out.items()}


def main() -> None:
    data = {"source": __doc__.split("\n\n")[1].replace("\n", " "), "systems": {}}
    for system, table in (("34", "admin_units"), ("63", "admin_units_legacy")):
        points = centroids(table)
        pos = place(points, CELL[system])
        abbr = abbreviations({p[0]: p[1] for p in points})
        data["systems"][system] = {
            "columns": 1 + max(c[0] for c in pos.values()),
            "rows": 1 + max(c[1] for c in pos.values()),
            "legend": list(LEGEND[system]),
            "tiles": {
                code: {"x": pos[code][0], "y": pos[code][1], "abbr": abbr[code]}
                for code in sorted(pos)
            },
        }
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for system, grid in data["systems"].items():
        rows = [[" .. "] * grid["columns"] for _ in range(grid["rows"])]
        for t in grid["tiles"].values():
            rows[t["y"]][t["x"]] = f"{t['abbr']:^4}"
        print(system, f"{len(grid['tiles'])} tiles")
        print("\n".join("".join(r) for r in rows))


if __name__ == "__main__":
    main()
