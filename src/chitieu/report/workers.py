"""Chart drawing and PDF printing in worker processes, on the machine's other cores.

Two single-process pools per process, one per role: ``charts`` (matplotlib) and ``pdf``
(WeasyPrint). Each worker imports only its own library, so the two imports run side by side,
and the PDF can start before the charts are drawn: its URL fetcher waits for each chart's PNG
(written whole, by rename) when the layout reaches it. The pools use the ``forkserver`` start
method (no fork of a threaded server) and are shut down at exit. :func:`start` launches them
ahead of time, in a background thread, so that a caller (the ``report`` command, the web app)
can compute the facts while the workers start. With one CPU, or
``CHITIEU_REPORT_WORKERS=0``, everything runs in the caller.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when a task runs: this module stays light (the CLI loads it first)
    from chitieu.report.charts import ChartSpec
    from chitieu.report.render import RenderJob

ROLES = ("charts", "pdf")
_POOLS: dict[str, ProcessPoolExecutor] = {}
_LOCK = threading.Lock()
_STARTER: threading.Thread | None = None


def formats_need_workers(formats: list[str] | None = None) -> bool:
    """Do these report formats (None: the default ones) need the workers — chart images or
    the PDF's print? Read from the format registry (light: nothing heavy is imported)."""
    from chitieu.report.render.base import default_names, registered

    known = registered()
    names = default_names() if formats is None else [f.strip().lower() for f in formats]
    return any(known[f].needs_workers for f in names if f in known)


def workers_wanted() -> int:
    """How many worker processes to use (0: work in the caller)."""
    env = os.environ.get("CHITIEU_REPORT_WORKERS")
    if env is not None and env.strip().isdigit():
        return int(env)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return 0 if (cpus or 1) < 2 else 2


def _warm_charts() -> None:
    """Load matplotlib and draw a small chart (font files, text layout) before the first one.

    The worker is idle meanwhile: the caller is still computing the facts. Measured on the
    ``chitieu report`` command: ≈ 0,2 s less with both warm-ups (docs/PERFORMANCE.md).
    """
    import tempfile

    from chitieu.report.charts import ChartSpec, Panel, Series, to_image

    series = Series("Doanh thu", [1.0, 2.0], ["1,0", "2,0"])
    spec = ChartSpec("warm", "Khởi động", "bar", [Panel("Kỳ", ["a", "b"], [series])])
    with tempfile.TemporaryDirectory() as tmp:
        to_image(spec, Path(tmp) / "warm.png")


def _warm_pdf() -> None:
    """Load WeasyPrint and print a small page in the report's fonts before the first PDF."""
    import io

    from chitieu.report.render.html import report_css
    from chitieu.report.render.pdf import HTML

    page = (
        f"<html><head><style>{report_css()}</style></head><body><h2>Báo cáo</h2><p>Doanh thu "
        "<b>tăng</b> <i>ước đạt</i> 1.614.206 tỷ đồng</p><table class='data'><tr><th>Chỉ tiêu"
        "</th><td class='num'>99,17</td></tr></table></body></html>"
    )
    HTML(string=page).write_pdf(io.BytesIO())


_WARM = {"charts": _warm_charts, "pdf": _warm_pdf}


def _noop() -> None:
    """A task that makes a pool start its worker."""


def pools() -> dict[str, Executor]:
    """The process's worker pools by role, created on first use (empty: work serially)."""
    if workers_wanted() < 1:
        return {}
    with _LOCK:
        missing = [role for role in ROLES if role not in _POOLS]
        if missing:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload([__name__])  # light: each worker loads its own library
            for role in missing:
                _POOLS[role] = ProcessPoolExecutor(
                    max_workers=1, mp_context=ctx, initializer=_WARM[role]
                )
        return dict(_POOLS)


def _discard_broken() -> None:
    """Drop the pools whose worker died (they are made again on next use); keep the others."""
    with _LOCK:
        for role, executor in list(_POOLS.items()):
            try:
                executor.submit(_noop)
            except (BrokenProcessPool, RuntimeError):
                executor.shutdown(wait=False, cancel_futures=True)
                del _POOLS[role]


def start() -> threading.Thread | None:
    """Start the workers now, in the background; returns the thread doing it (None: serial).

    Calling it again while the pools stand does nothing more.
    """
    global _STARTER
    if workers_wanted() < 1:
        return None
    with _LOCK:
        if _STARTER is not None and _POOLS:
            return _STARTER

    def run() -> None:
        for executor in pools().values():
            with contextlib.suppress(BrokenProcessPool, RuntimeError):  # replaced on next use
                executor.submit(_noop)

    _STARTER = threading.Thread(target=run, name="chitieu-report-workers", daemon=True)
    _STARTER.start()
    return _STARTER


@atexit.register
def shutdown() -> None:
    """Stop the workers (runs at exit; nothing to do if none were started)."""
    with _LOCK:
        for executor in _POOLS.values():
            executor.shutdown(wait=True, cancel_futures=True)
        _POOLS.clear()


def failed_marker(target: Path) -> Path:
    """The file that says drawing ``target`` failed (so that the PDF stops waiting for it)."""
    return target.with_name(target.name + ".failed")


def draw_chart(spec: ChartSpec, target: Path) -> Path:
    """Draw one chart as PNG into ``target``, whole or not at all."""
    from chitieu.atomic import atomic_path
    from chitieu.report.charts import to_image

    try:
        with atomic_path(target) as tmp:
            to_image(spec, tmp)
    except BaseException:
        failed_marker(target).touch()
        raise
    return target


def print_pdf(job: RenderJob, target: Path) -> Path:
    """Print the report's PDF into ``target``, whole or not at all (built-in renderer)."""
    from chitieu.atomic import atomic_path
    from chitieu.report.render.html import render_pdf

    with atomic_path(target) as tmp:
        render_pdf(job, tmp)
    return target


def submit(executor: Executor | None, fn: Callable[..., Any], *args: Any) -> Future[Any]:
    """Run ``fn(*args)`` in the pool, or right here when there is none."""
    if executor is not None:
        try:
            return executor.submit(fn, *args)
        except (BrokenProcessPool, RuntimeError):  # a worker died earlier: a new pool next time
            _discard_broken()
    fut: Future[Any] = Future()
    try:
        fut.set_result(fn(*args))
    except BaseException as e:  # handed to the caller by fut.result()
        fut.set_exception(e)
    return fut


def result(fut: Future[Any], fn: Callable[..., Any], *args: Any) -> Any:
    """The task's result; if its worker died, its pool is replaced and the task run here."""
    try:
        return fut.result()
    except BrokenProcessPool:
        _discard_broken()
        return fn(*args)
