"""Chart drawing and PDF printing in worker processes, on the machine's other cores.

One process pool per process (the web app builds reports again and again), started on first
use with the ``forkserver`` method (no fork of a threaded server) and shut down at exit. The
forkserver imports this module once, so each worker starts with matplotlib and WeasyPrint
loaded. With one CPU, or ``CHITIEU_REPORT_WORKERS=0``, everything runs in the caller.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import threading
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from chitieu.report.charts import ChartSpec, to_image
from chitieu.report.render import RenderJob, atomic_path

_POOL: ProcessPoolExecutor | None = None
_LOCK = threading.Lock()


def workers_wanted() -> int:
    """How many worker processes to use (0: work in the caller)."""
    env = os.environ.get("CHITIEU_REPORT_WORKERS")
    if env is not None and env.strip().isdigit():
        return int(env)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return 0 if (cpus or 1) < 2 else 2


def _warm() -> None:
    """Load what the tasks need before the first one arrives (runs in each worker)."""
    import matplotlib.figure
    import matplotlib.font_manager  # noqa: F401  (loads the font cache)
    import weasyprint  # noqa: F401

    import chitieu.report.render.html  # noqa: F401


def pool() -> Executor | None:
    """The process's pool of report workers, started on first use (None: work serially)."""
    global _POOL
    n = workers_wanted()
    if n < 1:
        return None
    with _LOCK:
        if _POOL is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload([__name__, "matplotlib.figure", "weasyprint"])
            _POOL = ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=_warm)
            atexit.register(shutdown)
        return _POOL


def shutdown() -> None:
    """Stop the workers (registered to run at exit)."""
    global _POOL
    with _LOCK:
        if _POOL is not None:
            _POOL.shutdown(wait=True, cancel_futures=True)
            _POOL = None


def draw_chart(spec: ChartSpec, target: Path) -> Path:
    """Draw one chart as PNG into ``target``, whole or not at all."""
    with atomic_path(target) as tmp:
        to_image(spec, tmp)
    return target


def print_pdf(job: RenderJob, target: Path) -> Path:
    """Print the report's PDF into ``target``, whole or not at all (built-in renderer)."""
    from chitieu.report.render.html import render_pdf

    with atomic_path(target) as tmp:
        render_pdf(job, tmp)
    return target


def submit(executor: Executor | None, fn, *args) -> Future:  # type: ignore[no-untyped-def]
    """Run ``fn(*args)`` in the pool, or right here when there is none."""
    if executor is not None:
        try:
            return executor.submit(fn, *args)
        except BrokenProcessPool:  # a worker died earlier: a new pool next time
            shutdown()
    fut: Future = Future()
    try:
        fut.set_result(fn(*args))
    except BaseException as e:  # handed to the caller by fut.result()
        fut.set_exception(e)
    return fut


def result(fut: Future, fn, *args):  # type: ignore[no-untyped-def]
    """The task's result; if a worker died, the pool is replaced and the task run here."""
    try:
        return fut.result()
    except BrokenProcessPool:
        shutdown()
        return fn(*args)
