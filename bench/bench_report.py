"""Benchmark: the whole H1/2023 review report (DOCX, PDF, HTML, Markdown, four charts).

Target: ≤ 3 s median per report. Measured on the demo data (SQLite):
- ``cli``: the `chitieu report` command end to end (a fresh process: imports included);
- ``warm``: ``build_report`` called again in one process (what the web app pays), with the
  charts and the PDF in the worker pool, and ``warm_serial`` the same with
  ``CHITIEU_REPORT_WORKERS=0`` (all in one process), alternating in the same run;
- a breakdown per step (serial, CPU of this process).

Run: ``.venv/bin/python bench/bench_report.py [--runs 5]``; results go to docs/PERFORMANCE.md.
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
from datetime import date
from pathlib import Path

TARGET_S = 3.0
FORMATS = ("docx", "pdf", "html", "md")


def _median(xs: list[float]) -> float:
    return round(statistics.median(xs), 3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    from chitieu.demo.build import load_demo
    from chitieu.report import build_document, build_report, make_context
    from chitieu.report.charts import to_image, to_plotly
    from chitieu.report.render import RenderJob, formats
    from chitieu.store.values import Store

    load_start = [round(x, 2) for x in os.getloadavg()]
    tmp = Path(tempfile.mkdtemp(prefix="bench-report-"))
    url = f"sqlite:///{tmp / 'demo.db'}"
    store = Store(url)
    load_demo(store)
    exe = shutil.which("chitieu", path=str(Path(sys.executable).parent)) or "chitieu"
    env = {**os.environ, "CHITIEU_DB": url}
    cli: list[float] = []
    cpu: list[float] = []
    for i in range(args.runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(
            [
                exe,
                "report",
                "--period",
                "2023S1",
                "--format",
                ",".join(FORMATS),
                "--out",
                str(tmp / f"cli{i}"),
                "--date",
                "2023-06-30",
            ],
            check=True,
            env=env,
            capture_output=True,
        )
        cli.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    warm: list[float] = []
    serial: list[float] = []
    for i in range(2 * args.runs + 2):
        one_process = i % 2 == 1
        if one_process:
            os.environ["CHITIEU_REPORT_WORKERS"] = "0"
        t = time.perf_counter()
        build_report(
            store,
            "2023S1",
            formats=FORMATS,
            out_dir=tmp / f"warm{i}",
            report_date=date(2023, 6, 30),
        )
        os.environ.pop("CHITIEU_REPORT_WORKERS", None)
        if i > 1:  # the first calls pay the imports and start the workers
            (serial if one_process else warm).append(time.perf_counter() - t)
    steps: dict[str, list[float]] = {}

    def step(name: str, fn):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        res = fn()
        steps.setdefault(name, []).append(time.perf_counter() - t)
        return res

    for i in range(args.runs):
        ctx = step("facts", lambda: make_context(store, "2023S1", report_date=date(2023, 6, 30)))
        doc = step("document", lambda ctx=ctx: build_document(ctx))
        out = tmp / f"steps{i}"
        (out / "img").mkdir(parents=True)
        job = RenderJob(doc, out, "r")
        charts = [b for s in doc.sections for b in s.blocks if b.kind == "chart"]
        for c in charts:
            png = out / "img" / f"{c.spec.id}.png"
            job.images[c.spec.id] = step("png charts", lambda c=c, png=png: to_image(c.spec, png))
        job.plotly = step(
            "plotly charts", lambda charts=charts: {c.spec.id: to_plotly(c.spec) for c in charts}
        )
        for f in FORMATS:
            fmt = formats()[f]
            step(f, lambda fmt=fmt, job=job, out=out: fmt.render(job, out / f"r{fmt.suffix}"))
    per_run = {k: round(sum(v) / args.runs, 3) for k, v in steps.items()}
    load_end = [round(x, 2) for x in os.getloadavg()]
    result = {
        "runs": args.runs,
        "target_s": TARGET_S,
        "cli_median_s": _median(cli),
        "cli_runs_s": [round(x, 3) for x in cli],
        "cli_cpu_median_s": _median(cpu),  # user+sys: less sensitive to a busy machine
        "warm_median_s": _median(warm),
        "warm_runs_s": [round(x, 3) for x in warm],
        "warm_serial_median_s": _median(serial),
        "cli_vs_target": round(_median(cli) / TARGET_S, 2),
        "warm_vs_target": round(_median(warm) / TARGET_S, 2),
        "cli_cpu_vs_target": round(_median(cpu) / TARGET_S, 2),
        "warm_serial_vs_warm": round(_median(serial) / _median(warm), 2),
        "steps_mean_s": per_run,
        "cpus": os.cpu_count(),
        "load_avg_start": load_start,
        "load_avg_end": load_end,
    }
    print(json.dumps(result, indent=1))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
