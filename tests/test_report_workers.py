"""Charts and PDF in worker processes: the PDF starts early and waits for each chart it needs."""

import struct
import subprocess
import threading
from datetime import date
from pathlib import Path

import pytest

from chitieu.report import build_report, workers
from chitieu.report.charts import ChartSpec, Panel, Series
from chitieu.report.render.pdf import ChartFetcher, ChartMissing, write_pdf
from chitieu.store.values import Store

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _png_size(path: Path) -> tuple[int, int]:
    return struct.unpack(">II", path.read_bytes()[16:24])


def _spec() -> ChartSpec:
    series = Series("Doanh thu", [1.0, 2.0], ["1", "2"])
    return ChartSpec("c1", "Biểu đồ", "bar", [Panel("p", ["a", "b"], [series])])


def _html(name: str) -> str:
    return f'<html><body><p>Biểu đồ</p><img src="{name}"></body></html>'


def test_pdf_waits_for_a_chart_drawn_after_the_print_started(tmp_path: Path):
    target = tmp_path / "c1.png"
    drawer = threading.Timer(0.3, workers.draw_chart, (_spec(), target))
    drawer.start()
    assert not target.exists()
    write_pdf(_html("c1.png"), tmp_path, {target}, tmp_path / "r.pdf")  # a missing file fails
    drawer.join()
    pdf = (tmp_path / "r.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and b"/Subtype /Image" in pdf


def test_pdf_stops_waiting_when_the_chart_failed(tmp_path: Path, monkeypatch):
    target = tmp_path / "c1.png"

    def broken(spec, path):
        path.write_bytes(b"half a picture")
        raise ValueError("cannot draw")

    monkeypatch.setattr("chitieu.report.charts.to_image", broken)
    with pytest.raises(ValueError, match="cannot draw"):
        workers.draw_chart(_spec(), target)
    assert workers.failed_marker(target).exists() and not target.exists()
    with pytest.raises(ChartMissing, match=r"c1\.png: the chart could not be drawn"):
        write_pdf(_html("c1.png"), tmp_path, {target}, tmp_path / "r.pdf")
    assert not (tmp_path / "r.pdf").exists()


def test_pdf_gives_up_on_a_chart_that_never_comes(tmp_path: Path):
    fetcher = ChartFetcher({tmp_path / "never.png"}, wait_s=0.2)
    with pytest.raises(ChartMissing, match="no chart after"):
        fetcher.fetch((tmp_path / "never.png").as_uri())


def test_pdf_fetches_only_local_files(tmp_path: Path):
    html = '<html><body><img src="http://example.invalid/x.png"></body></html>'
    with pytest.raises(ChartMissing, match=r"example\.invalid"):
        write_pdf(html, tmp_path, set(), tmp_path / "r.pdf")


def test_an_old_chart_image_is_not_used_for_the_new_report(demo_sqlite, tmp_path: Path):
    files = tmp_path / "report-2023S1-vi_files"
    files.mkdir()
    (files / "headline.png").write_bytes(b"an old, broken image")
    (files / "headline.png.failed").touch()
    written = build_report(
        Store(demo_sqlite),
        "2023S1",
        formats=("pdf",),
        out_dir=tmp_path,
        report_date=date(2023, 6, 30),
    )
    assert (files / "headline.png").read_bytes().startswith(PNG_MAGIC)
    assert not (files / "headline.png.failed").exists()
    listing = subprocess.run(
        ["pdfimages", "-list", str(written["pdf"])], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    images = [row.split() for row in listing if row.split()[2] == "image"]
    assert len(images) == 4  # the four charts, the first of them the one just drawn
    assert images[0][3:5] == [str(n) for n in _png_size(files / "headline.png")]


def test_serial_and_pooled_reports_are_the_same(demo_sqlite, tmp_path: Path, monkeypatch):
    store = Store(demo_sqlite)
    kw = {"formats": ("docx", "pdf", "md"), "report_date": date(2023, 6, 30)}
    pooled = build_report(store, "2023S1", out_dir=tmp_path / "pooled", **kw)
    monkeypatch.setenv("CHITIEU_REPORT_WORKERS", "0")
    assert workers.pools() == {}
    serial = build_report(store, "2023S1", out_dir=tmp_path / "serial", **kw)
    assert pooled["md"].read_text() == serial["md"].read_text()
    for name in ("headline", "series", "provinces-ICT_REVENUE", "benchmark-publishing"):
        a = tmp_path / "pooled" / "report-2023S1-vi_files" / f"{name}.png"
        b = tmp_path / "serial" / "report-2023S1-vi_files" / f"{name}.png"
        assert a.read_bytes() == b.read_bytes()
    pages = [p["pdf"].read_bytes().count(b"/Type /Page\n") for p in (pooled, serial)]
    assert pages[0] == pages[1]


def test_start_launches_the_workers_in_the_background():
    thread = workers.start()
    if workers.workers_wanted() < 1:
        assert thread is None
        return
    assert thread is not None
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert set(workers.pools()) == {"charts", "pdf"}


@pytest.mark.parametrize(
    ("argv", "wanted"),
    [
        (["chitieu", "report", "--period", "2023S1"], True),  # every format by default
        (["chitieu", "report", "-p", "2023S1", "--format", "html"], False),
        (["chitieu", "report", "-p", "2023S1", "--format", "md,html"], True),  # md shows PNGs
        (["chitieu", "report", "-p", "2023S1", "-f", "pdf"], True),
        (["chitieu", "report", "--format=docx", "-p", "2023S1"], True),
        (["chitieu", "report", "--help"], False),
        (["chitieu", "summary", "--period", "2023S1"], False),
        (["chitieu", "tasks", "report"], False),
        (["chitieu"], False),
    ],
)
def test_the_program_starts_workers_only_for_a_report_that_needs_them(argv, wanted):
    from chitieu.cli.entry import report_needs_workers

    assert report_needs_workers(argv) is wanted


def test_a_dead_worker_costs_only_its_own_pool(demo_sqlite, tmp_path: Path):
    import os
    from concurrent.futures.process import BrokenProcessPool

    if workers.workers_wanted() < 1:
        pytest.skip("one CPU: no workers")
    before = workers.pools()
    with pytest.raises(BrokenProcessPool):
        before["pdf"].submit(os._exit, 1).result()  # the PDF worker dies
    written = build_report(
        Store(demo_sqlite),
        "2023S1",
        formats=("pdf", "md"),
        out_dir=tmp_path,
        report_date=date(2023, 6, 30),
    )
    assert written["pdf"].read_bytes().startswith(b"%PDF")  # printed here instead
    after = workers.pools()
    assert after["charts"] is before["charts"] and after["pdf"] is not before["pdf"]
    assert after["pdf"].submit(sum, [1, 2]).result() == 3  # and a new PDF worker serves
