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
    assert text.count("## Core: import and summary (issues 2 and 10)") == 1
    # the as-of part (issue 17): side by side with the current read and pandas, agreeing
    assert "as-of read ÷ current uncached read" in out.stdout
    assert "T1: all" in out.stdout and "facts agree with pandas" in out.stdout
    assert text.count("## Core: as-of reads (issue 17)") == 1


@pytest.mark.slow
def test_web_benchmark_quick_run_and_its_lost_update_check(tmp_path, capsys):
    import json

    from bench import bench_web

    for flow in ("reread", "browser"):
        db = f"sqlite:///{tmp_path / flow}.db"
        code = bench_web.main(
            ["--db", db, "--clients", "4", "--rounds", "3", "--think", "0.02", "--workers", "1",
             "--flow", flow, "--json"]
        )  # fmt: skip
        out = json.loads(capsys.readouterr().out)
        assert code in (0, 1)  # 1 only if the machine was too slow for the latency target
        assert out["saves"] == 12 and out["saved"] + out["conflicts"] == 12
        assert out["errors"] == 0 and out["saved"] >= 2
        assert (out["lost"], out["acked_on_same_version"], out["out_of_order"]) == (0, 0, 0)
        assert out["cpu_s"]["server"] > 0
    # the check itself: an acknowledged save the store does not hold is a lost update, and two
    # acknowledged saves based on one version are reported
    key = "/api/v1/submissions/TTTT-6T/01@34/2026S1"
    fake = [
        {"kind": "save", "status": 200, "key": key, "value": 1e9, "based_on": "1.1",
         "new_version": "999.1"},
        {"kind": "save", "status": 200, "key": key, "value": 2e9, "based_on": "1.1",
         "new_version": "1000.1"},
    ]  # fmt: skip
    check = bench_web.lost_updates(db, fake)
    assert check["lost"] >= 2 and check["acked_on_same_version"] == 1


@pytest.mark.slow
def test_dashboard_benchmark_quick_run(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_dashboard", "--quick", "--workdir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert out.returncode in (0, 1), out.stderr[-3000:]  # 1: the machine missed a target
    assert "dashboard after it" in out.stdout and "right after a write" in out.stdout


@pytest.mark.slow
def test_web_benchmark_compares_the_http_protocols_side_by_side(tmp_path, capsys):
    """`--compare-http`: both servers at once on one store, each side's figures and ratios;
    `--protocol-cost`: the protocols alone (no timing is asserted)."""
    import json

    from bench import bench_web

    db = f"sqlite:///{tmp_path / 'cmp.db'}"
    code = bench_web.main(
        ["--db", db, "--clients", "8", "--rounds", "2", "--think", "0.02", "--workers", "1",
         "--compare-http", "1", "--json"]
    )  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert code in (0, 1)
    assert out["sides"] == ["uvicorn_httptools", "chitieu"]
    assert out["saves_per_side"] == {"uvicorn_httptools": 8, "chitieu": 8}
    assert out["errors"] == 0 and out["lost"] == 0
    assert out["save_p50_ms"]["ratio"] is not None
    assert bench_web.main(["--protocol-cost"]) == 0
    cost = json.loads(capsys.readouterr().out)
    assert set(cost["cpu_us_per_request"]) == {"httptools", "chitieu"}


@pytest.mark.slow
@pytest.mark.browser
def test_weight_benchmark_counts_bytes_within_the_limits(tmp_path):
    """Issue 20: the dashboard and the report page, first load ≤ 500 kB and repeat ≤ 30 kB,
    bytes counted by Chromium (not timed); exit 1 over a limit."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_weight", "--no-doc"],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    for page in ("dashboard", "report"):
        for load in ("first", "repeat"):
            assert f"| {load} |" in out.stdout and f"{page} (`/" in out.stdout


@pytest.mark.slow
def test_export_benchmark_quick_run(tmp_path):
    """Issue 21: chitieu's Parquet export against pandas' on a tiny store; the two files read
    back the same in DuckDB and pandas."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_export", "--quick", "--workdir", str(tmp_path)],
        capture_output=True, text=True, timeout=600, cwd=ROOT, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    assert "the same" in out.stdout and "| sqlite |" in out.stdout
