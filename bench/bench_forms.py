"""Reading official forms and long tables (issue 18, Deliver 7).

1. Getting the cells out of a 100,000-row long-layout workbook through chitieu's reader
   (pre-scan + calamine in its child process) against openpyxl's read-only mode; chitieu's
   reader as the processes that read many files run it, the web server and workers (the
   child kept between reads: ``childparser.keep_reader``), and, for information, as a
   one-shot ``chitieu import`` runs it (a child started per read);
2. the same for a 50-sheet workbook of official half-year forms (every sheet with its merged
   ranges) against openpyxl's read-only mode reading every sheet;
3. that 50-sheet file imported through the web (``POST /api/v1/imports/upload``, in-process
   ASGI client) against the CLI's import of it (``collect.importer.import_file``, what
   ``chitieu import`` runs), on one SQLite store.

Medians of ``--repeat`` alternating runs (one of each side per round). The workbooks are
written here with openpyxl, the same every run.

    python -m bench.bench_forms [--repeat 5] [--rows 100000] [--sheets 50]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_parser import write_long  # noqa: E402
from chitieu.collect.childparser import keep_reader  # noqa: E402
from chitieu.collect.childparser import one_shot as one_shot_reads  # noqa: E402
from chitieu.collect.reader import read_workbook  # noqa: E402


def write_forms(path: Path, sheets: int) -> Path:
    """``sheets`` half-year forms (TTTT-6T, H1 2023), one province each."""
    from openpyxl import Workbook
    from tests.forms_book import half_sheet

    from chitieu.catalog.units import registry

    units = registry().provinces(date(2023, 6, 30))
    wb = Workbook()
    wb.remove(wb.active)
    for i in range(sheets):
        u = units[i % len(units)]
        line = f"Đơn vị báo cáo: Sở Thông tin và Truyền thông {u.name}"
        half_sheet(wb.create_sheet(f"Biểu {i + 1:02d}"), unit_line=line)
    wb.save(path)
    return path


def openpyxl_cells(path: Path) -> int:
    """Every sheet's values through openpyxl's read-only mode (the peer); cells read."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    n = sum(len(r) for ws in wb.worksheets for r in ws.iter_rows(values_only=True))
    wb.close()
    return n


def chitieu_cells(path: Path, every: bool) -> int:
    """The cells through chitieu's reader (pre-scan, calamine in the child)."""
    book = read_workbook(path, every=every)
    tables = book.sheets or [book.table]
    return sum(len(r) for t in tables for _, r in t.rows)


def one_shot(path: Path, every: bool) -> int:
    """The cells as a one-shot run reads them: a child started for the read, ended after."""
    with one_shot_reads():
        return chitieu_cells(path, every)


def medians(steps: dict[str, Callable[[], Any]], repeat: int) -> dict[str, float]:
    """Median seconds of each step, run alternately ``repeat`` times after one warm-up."""
    for fn in steps.values():
        fn()
    times: dict[str, list[float]] = {k: [] for k in steps}
    for _ in range(repeat):
        for name, fn in steps.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


def upload_vs_cli(path: Path, tmp: Path, repeat: int) -> dict[str, float]:
    """The 50-sheet file imported through the web and by the CLI's import, one store. The
    web side as before: the test client's own event loop started for each request; and, for
    information, one event loop for every request, as a server runs (``with TestClient``)."""
    from fastapi.testclient import TestClient

    from chitieu import open_store
    from chitieu.collect.importer import import_file
    from chitieu.web.accounts import Accounts
    from chitieu.web.app import create_app

    store = open_store(f"sqlite:///{tmp / 'forms.db'}")
    accounts = Accounts(store)
    accounts.add("bench", "correct horse battery", "analyst")
    token = accounts.add_token("bench", "bench")
    app = create_app(store=store)
    client, served = TestClient(app), TestClient(app)
    for c in (client, served):
        c.headers["Authorization"] = f"Bearer {token}"
    data = path.read_bytes()

    def post(c: TestClient) -> None:
        files = {"file": (path.name, data, "application/octet-stream")}
        r = c.post("/api/v1/imports/upload", files=files)
        assert r.status_code == 200, r.text[:500]

    def cli() -> None:
        res = import_file(path, store, created_by="bench")
        assert res.report.valid

    with served:
        return medians({"web": lambda: post(client), "cli": cli,
                        "web-loop": lambda: post(served)}, repeat)  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    """Print the medians and the ratios."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--sheets", type=int, default=50)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        long = write_long(tmp / "long.xlsx", args.rows)
        forms = write_forms(tmp / "forms.xlsx", args.sheets)
        keep_reader(True)  # as the web server and workers read (see the docstring)
        m = medians({"chitieu": lambda: chitieu_cells(long, False),
                     "openpyxl": lambda: openpyxl_cells(long),
                     "one-shot": lambda: one_shot(long, False)}, args.repeat)  # fmt: skip
        print(f"long layout, {args.rows:,} rows: chitieu {m['chitieu'] * 1e3:,.0f} ms, "
              f"openpyxl read-only {m['openpyxl'] * 1e3:,.0f} ms: "
              f"{m['openpyxl'] / m['chitieu']:.1f}× (target ≥ 5×); one-shot "
              f"{m['one-shot'] * 1e3:,.0f} ms: {m['openpyxl'] / m['one-shot']:.1f}×")  # fmt: skip
        w = medians({"chitieu": lambda: chitieu_cells(forms, True),
                     "openpyxl": lambda: openpyxl_cells(forms),
                     "one-shot": lambda: one_shot(forms, True)}, args.repeat)  # fmt: skip
        print(f"{args.sheets} form sheets: chitieu {w['chitieu'] * 1e3:,.0f} ms, "
              f"openpyxl read-only {w['openpyxl'] * 1e3:,.0f} ms: "
              f"{w['openpyxl'] / w['chitieu']:.1f}× (target ≥ 3×); one-shot "
              f"{w['one-shot'] * 1e3:,.0f} ms: {w['openpyxl'] / w['one-shot']:.1f}×")  # fmt: skip
        u = upload_vs_cli(forms, tmp, args.repeat)
        print(f"{args.sheets}-sheet import: web upload {u['web'] * 1e3:,.0f} ms, CLI import "
              f"{u['cli'] * 1e3:,.0f} ms: {u['web'] / u['cli']:.2f}× (target ≤ 1.2×); one "
              f"event loop for every request {u['web-loop'] * 1e3:,.0f} ms: "
              f"{u['web-loop'] / u['cli']:.2f}×")  # fmt: skip
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
