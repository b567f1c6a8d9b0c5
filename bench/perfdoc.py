"""Machine facts and the sections of docs/PERFORMANCE.md that benchmarks keep up to date."""

from __future__ import annotations

import contextlib
import os
import platform
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

HEADER = "# Performance\n\nBenchmarks live in `bench/`; each keeps its own section below.\n"


def timed(
    fn: Callable[[], Any], repeat: int, between: Callable[[], Any] | None = None
) -> tuple[float, list[float], Any]:
    """Median and all wall times of ``repeat`` calls (``between`` runs untimed after each)."""
    times: list[float] = []
    out: Any = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
        if between:
            between()
    return statistics.median(times), times, out


def machine() -> dict[str, str]:
    """CPU, cores, memory, OS, Python, SQLite and library versions."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    libs = []
    for name in ("sqlalchemy", "psycopg", "pandas", "duckdb", "frictionless"):
        with contextlib.suppress(PackageNotFoundError):
            libs.append(f"{name} {version(name)}")
    return {
        "cpu": f"{cpu}, {os.cpu_count()} cores, {mem} RAM",
        "os": platform.platform(terse=True),
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "libraries": ", ".join(libs),
    }


def load_average() -> list[float]:
    """The machine's load average over 1, 5 and 15 minutes (recorded beside each run)."""
    return [round(x, 2) for x in os.getloadavg()]


def update_section(path: Path, heading: str, body: str) -> None:
    """Replace (or append) the ``## heading`` section of ``path``, written atomically."""
    old = path.read_text(encoding="utf-8") if path.exists() else HEADER
    section = f"{heading}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(old):
        new = pattern.sub(lambda _: section + "\n", old, count=1).rstrip() + "\n"
    else:
        new = old.rstrip() + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".perf-", suffix=".md")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(new)
    os.replace(tmp, path)


def seconds(x: float) -> str:
    """A duration for tables: 0.0123 s → '0.012 s', 12.3 → '12.3 s'."""
    return f"{x:.3f} s" if x < 1 else f"{x:.2f} s" if x < 10 else f"{x:.1f} s"
