"""The event stream's benchmark runs end to end on a tiny size: every update to every client,
no drop (no timing is asserted)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_sse_benchmark_quick_run() -> None:
    out = subprocess.run(
        [sys.executable, "bench/bench_sse.py", "--clients", "5", "--seconds", "3", "--every", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["updates"] >= 1 and got["delivered"] == got["expected"] == 5 * got["updates"]
    assert got["drops"] == 0 and got["server_cpu_s"] >= 0


@pytest.mark.slow
def test_sse_benchmark_reports_a_missed_update() -> None:
    """An update that never comes (the server's watcher asks the store once an hour) is
    counted as missed and the run ends; before, the benchmark waited for it for ever."""
    env = {**os.environ, "CHITIEU_SSE_POLL_SECONDS": "3600"}
    out = subprocess.run(
        [sys.executable, "bench/bench_sse.py", "--clients", "2", "--seconds", "1", "--every",
         "0.5", "--patience", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False, env=env,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["writes"] >= 1 and got["expected"] == 2 * got["writes"]
    assert got["delivered"] < got["expected"]
