"""The as-of part of the core benchmark (issue 17): ``analyze.facts(store, P, as_of=T)`` against
the current uncached read of the same period and the pandas peer given the same instant.

Run through ``bench/bench_core.py`` (``--only asof`` for this part alone). The runs alternate
(current, as of T1, pandas at T1, as of T2, pandas at T2, then again), so that the shared
machine's load falls on every step alike; medians of ``--repeat`` runs after one warm-up each.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from bench import core_data as data
from bench import core_peers as peers
from bench.perfdoc import seconds
from bench.stores import alternate, close, median

HEADING = "## Core: as-of reads (issue 17)"
NOTES = Path(__file__).with_name("core_asof_notes.md")
#: the instants read: (label, store time UTC, what it is)
INSTANTS = [
    ("T1", datetime(int(data.SUMMARY_PERIOD[:4]) + 1, 2, 1),
     "after the year's first release, before its revisions (2 % of its values revised since)"),
    ("T2", datetime(int(data.SUMMARY_PERIOD[:4]), 12, 1),
     "before the year's values arrived (every one of its values recorded since)"),
]  # fmt: skip
#: (label, ratio key, comparison, target)
TARGETS = [
    ("as-of read ÷ current uncached read", "asof/current", "<=", 5.0),
    ("pandas at the same instant ÷ as-of read", "pandas/asof", ">=", 5.0),
]


def _facts(fs: Any) -> dict[tuple[str, str], tuple[Any, ...]]:
    return {(f.indicator, f.unit): (f.value, f.previous, f.plan, f.rank)
            for f in fs if f.indicator.startswith("BENCH_")}  # fmt: skip


def agree(ours: Any, pdf: Any) -> str:
    """Compare the as-of facts with the pandas peer's; raise on any difference."""
    mine = _facts(ours)
    pan = {(r.indicator, r.unit): (r.value, r.previous, r.plan, r.rank)
           for r in pdf.itertuples(index=False)}  # fmt: skip
    if set(pan) != set(mine):
        diff = sorted(set(pan) ^ set(mine))[:5]
        raise AssertionError(f"pandas and chitieu give different fact keys as of, e.g. {diff}")
    for k, v in mine.items():
        if not all(close(a, b) for a, b in zip(v, pan[k], strict=True)):
            raise AssertionError(f"pandas differs at {k}: chitieu {v}, pandas {pan[k]}")
    return f"all {len(mine)} facts agree with pandas"


def measure(store: Any, inds: list[Any], repeat: int) -> dict[str, Any]:
    """Alternating timed runs of the current read and, per instant, chitieu's and pandas'."""
    from chitieu.analyze.facts import clear_cache, facts
    from chitieu.catalog.periods import parse_period
    from chitieu.catalog.units import registry

    p = parse_period(data.SUMMARY_PERIOD)
    xw = peers.crosswalk(registry())
    runs: dict[str, Any] = {"current": lambda: (clear_cache(), list(facts(store, p)))[1]}
    for label, at, _ in INSTANTS:
        runs[f"asof {label}"] = lambda at=at: list(facts(store, p, as_of=at))
        runs[f"pandas {label}"] = lambda at=at: peers.pandas_summary(store.engine, p, inds, xw, at)
    times, last = alternate(runs, repeat)  # one untimed round first
    out: dict[str, Any] = dict(times)
    out["agree"] = {label: agree(last[f"asof {label}"], last[f"pandas {label}"])
                    for label, _, _ in INSTANTS}  # fmt: skip
    changed = _facts(last["current"]) != _facts(last["asof T1"])
    out["differs"] = changed  # the instant reads other figures than today's
    return out


def verdicts(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(instant, target, measured, PASS/MISS) rows."""
    out = []
    cur = median(r["current"])
    for label, _, _ in INSTANTS:
        asof, pan = median(r[f"asof {label}"]), median(r[f"pandas {label}"])
        got = {"asof/current": asof / cur, "pandas/asof": pan / asof}
        for name, key, op, target in TARGETS:
            ok = got[key] <= target if op == "<=" else got[key] >= target
            out.append((label, f"{name} {op} {target:g}", f"{got[key]:.2f}",
                        "PASS" if ok else "MISS"))  # fmt: skip
    return out


def report(info: dict[str, Any], results: dict[str, dict[str, Any]]) -> str:
    """Markdown for PERFORMANCE.md (also printed)."""
    lines = [
        f"Latest run: {info['date']}, `{info['command']}`.",
        "",
        f"Load: {info['started']}–{info['ended']} UTC; load average (1, 5, 15 min) "
        f"{info['load_before']} before, {info['load_after']} after.",
        "",
        f"Machine: {info['machine']['cpu']}; Python {info['machine']['python']}, SQLite "
        f"{info['machine']['sqlite']}"
        + (f", PostgreSQL {info['pg_version']}" if info.get("pg_version") else "")
        + ".",
        "",
        f"Period {data.SUMMARY_PERIOD}, the store of the section above (same generator). "
        "Instants (UTC): "
        + "; ".join(f"{label} = {at:%Y-%m-%d %H:%M}: {what}" for label, at, what in INSTANTS)
        + ".",
        "",
        "| backend | store rows | step | median | runs |",
        "|---|---|---|---|---|",
    ]
    names = {"current": f"current read {data.SUMMARY_PERIOD} (analyze.facts, uncached)"}
    for label, _, _ in INSTANTS:
        names[f"asof {label}"] = f"as-of read at {label} (analyze.facts(..., as_of={label}))"
        names[f"pandas {label}"] = f"pandas at {label} (rows recorded by {label}, same computation)"
    for backend, r in results.items():
        a = r.get("asof")
        if not a:
            continue
        for key, label in names.items():
            runs = ", ".join(f"{t:.3f}" for t in a[key])
            lines.append(f"| {backend} | {r['store_rows']:,} | {label} | "
                         f"{seconds(median(a[key]))} | {runs} |")  # fmt: skip
    lines += ["", "| backend | instant | target | measured | verdict |", "|---|---|---|---|---|"]
    for backend, r in results.items():
        if r.get("asof"):
            lines += [f"| {backend} | {i} | {t} | {m} | {v} |" for i, t, m, v in
                      verdicts(r["asof"])]  # fmt: skip
    lines.append("")
    for backend, r in results.items():
        if r.get("asof"):
            agreed = "; ".join(f"{k}: {v}" for k, v in r["asof"]["agree"].items())
            lines.append(f"- {backend}: {agreed} (value, last year, plan, rank).")
    return "\n".join(lines)
