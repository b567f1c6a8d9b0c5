"""What reading a workbook in a child process costs (issue 15): the child parser against the
same read in the calling process, on a small workbook and on a 100,000-row long-layout one,
with openpyxl's read-only mode beside them for scale.

Medians of ``--repeat`` alternating runs; the forkserver is started before the first. The
workbooks are written here (openpyxl, write-only), the same every run.

    python bench/bench_parser.py [--repeat 7] [--rows 100000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chitieu.collect import childparser
from chitieu.collect.limits import limits
from chitieu.collect.zipscan import scan_workbook

HEADER = ["indicator", "unit", "period", "value", "kind", "comment", "status"]
CODES = ["ICT_REVENUE", "ICT_LABOUR", "ICT_BUDGET", "PUB_TITLES"]


def write_long(path: Path, rows: int) -> Path:
    """A long-layout workbook of ``rows`` rows (numbers as numbers, a comment in a third)."""
    from openpyxl import Workbook  # type: ignore[import-untyped]

    rnd = random.Random(15)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Data")
    ws.append(HEADER)
    for i in range(rows):
        ws.append([CODES[i % 4], f"{(i // 4) % 63 + 1:02d}@63", f"{2000 + i // 1000}",
                   rnd.random() * 1e6, "actual", "" if i % 3 else "ghi chú", "final"])  # fmt: skip
    wb.save(path)
    return path


def request(path: Path) -> childparser.Request:
    """A parse of ``path`` after its pre-scan."""
    lim = limits()
    deadline = lim.deadline()
    scan = scan_workbook(path, path.name, lim, deadline)
    return childparser.request_for(path, path.name, lim, deadline, scan, sheet=None)


def openpyxl_rows(path: Path) -> list[Any]:
    """Every row's values through openpyxl's read-only mode (the peer)."""
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    wb = load_workbook(path, read_only=True, data_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    return rows


def measure(path: Path, repeat: int) -> dict[str, float]:
    """Median seconds of the pre-scan, the read here, the read in a child, and openpyxl."""
    req = request(path)
    childparser.parse(req)  # the forkserver started
    steps: dict[str, Callable[[], Any]] = {
        "pre-scan": lambda: request(path),
        "in-process": lambda: childparser.read(req),
        "child": lambda: childparser.parse(req),
        "openpyxl": lambda: openpyxl_rows(path),
    }
    times: dict[str, list[float]] = {k: [] for k in steps}
    for _ in range(repeat):
        for name, fn in steps.items():  # alternating: one of each per round
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


def main() -> None:
    """Print the figures of a small and a big workbook."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--rows", type=int, default=100_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for rows in (10, args.rows):
            path = write_long(Path(tmp) / f"long-{rows}.xlsx", rows)
            m = measure(path, args.repeat)
            extra = m["child"] - m["in-process"]
            print(
                f"{rows:>7} rows: pre-scan {m['pre-scan'] * 1e3:7.1f} ms, in-process "
                f"{m['in-process'] * 1e3:7.1f} ms, child {m['child'] * 1e3:7.1f} ms "
                f"(+{extra * 1e3:.1f} ms, {extra / m['in-process']:+.0%}), openpyxl "
                f"{m['openpyxl'] * 1e3:7.1f} ms; openpyxl / (pre-scan + child) "
                f"{m['openpyxl'] / (m['pre-scan'] + m['child']):.1f}×"
            )
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
