"""Benchmark: the conference deck against the report (issue 22, Performance, 2nd bullet).

Target: ``chitieu slides --period 2023S1`` (PPTX) as a fresh process takes no longer than
``chitieu report --period 2023S1 --format docx`` — the ratio of the medians of ≥ 5 runs each,
alternating (slides, report, slides, …) so that both meet the same machine load. Wall time and
the CPU time of the child (user + sys, less sensitive to a busy machine) are both reported.
The deck's PDF (``--pdf``: headless LibreOffice) is measured separately: the PDF conversion's
time is the PPTX+PDF run minus the PPTX run (medians).

Run: ``.venv/bin/python bench/bench_slides.py [--runs 7]``; results go to docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_RATIO = 1.0
COMMON = ["--period", "2023S1", "--date", "2023-06-30"]


def _median(xs: list[float]) -> float:
    return round(statistics.median(xs), 3)


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + sys of the child and its children) seconds of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, capture_output=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--no-pdf", action="store_true", help="Skip the PDF conversion's runs.")
    args = ap.parse_args()
    from chitieu.demo.build import load_demo
    from chitieu.store.values import Store

    load_start = [round(x, 2) for x in os.getloadavg()]
    tmp = Path(tempfile.mkdtemp(prefix="bench-slides-"))
    url = f"sqlite:///{tmp / 'demo.db'}"
    load_demo(Store(url))
    exe = shutil.which("chitieu", path=str(Path(sys.executable).parent)) or "chitieu"
    env = {**os.environ, "CHITIEU_DB": url}
    slides_cmd = [exe, "slides", *COMMON]
    report_cmd = [exe, "report", *COMMON, "--format", "docx"]
    _run([*slides_cmd, "--out", str(tmp / "warm-s")], env)  # the page cache warmed for both
    _run([*report_cmd, "--out", str(tmp / "warm-r")], env)
    got: dict[str, list[tuple[float, float]]] = {"slides": [], "report": [], "slides_pdf": []}
    for i in range(args.runs):
        got["slides"].append(_run([*slides_cmd, "--out", str(tmp / f"s{i}")], env))
        got["report"].append(_run([*report_cmd, "--out", str(tmp / f"r{i}")], env))
    if not args.no_pdf and shutil.which("soffice"):
        for i in range(max(3, args.runs // 2)):
            got["slides_pdf"].append(_run([*slides_cmd, "--pdf", "--out", str(tmp / f"p{i}")], env))
    wall = {k: _median([w for w, _ in v]) for k, v in got.items() if v}
    cpu = {k: _median([c for _, c in v]) for k, v in got.items() if v}
    result = {
        "runs": args.runs,
        "slides_wall_median_s": wall["slides"],
        "report_docx_wall_median_s": wall["report"],
        "ratio_wall": round(wall["slides"] / wall["report"], 2),
        "slides_cpu_median_s": cpu["slides"],
        "report_docx_cpu_median_s": cpu["report"],
        "ratio_cpu": round(cpu["slides"] / cpu["report"], 2),
        "target_ratio": TARGET_RATIO,
        "slides_runs_s": [round(w, 3) for w, _ in got["slides"]],
        "report_runs_s": [round(w, 3) for w, _ in got["report"]],
        "cpus": os.cpu_count(),
        "load_avg_start": load_start,
        "load_avg_end": [round(x, 2) for x in os.getloadavg()],
    }
    if got["slides_pdf"]:
        result["slides_pptx_pdf_wall_median_s"] = wall["slides_pdf"]
        result["pdf_conversion_wall_s"] = round(wall["slides_pdf"] - wall["slides"], 3)
        result["pdf_conversion_cpu_s"] = round(cpu["slides_pdf"] - cpu["slides"], 3)
    print(json.dumps(result, indent=1))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
