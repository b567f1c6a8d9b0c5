"""The core benchmark runs end to end on tiny sizes (no timing is asserted)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_core_benchmark_quick_run(tmp_path):
    doc = tmp_path / "PERFORMANCE.md"
    doc.write_text("# Performance\n\n## Other section\n\nkept\n", encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_core", "--quick", "--workdir", str(tmp_path),
         "--doc", str(doc)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    assert "import ÷ bare insert" in out.stdout and "pandas ÷ summary" in out.stdout
    assert "facts agree" in out.stdout  # chitieu, pandas and DuckDB computed the same facts
    text = doc.read_text(encoding="utf-8")
    assert "## Other section\n\nkept" in text  # other benchmarks' sections are left alone
    assert text.count("## Core: import and summary (issue 2)") == 1
