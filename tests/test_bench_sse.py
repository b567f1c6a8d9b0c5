"""The event stream's benchmark runs end to end on a tiny size: every update to every client,
no drop (no timing is asserted)."""

import json
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
