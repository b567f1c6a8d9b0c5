"""The child parser's process (``collect.childparser``): a ``forkserver`` child that does not
import the caller's main module again, the pipe its answer comes back through, widened; in
the child, its limits for a read, its address space's size, what a read left given back, and
the test-only faults that fill it."""

from __future__ import annotations

import functools
import io
import math
import multiprocessing
import os
import signal
import time
from multiprocessing import context, forkserver, reduction, util
from multiprocessing.connection import Connection
from typing import Any


@functools.cache
def _popen_class() -> type:
    """The forkserver's Popen, launching its child without the caller's main module."""
    from multiprocessing import popen_forkserver, spawn

    class Popen(popen_forkserver.Popen):
        def _launch(self, process_obj: Any) -> None:
            # popen_forkserver.Popen._launch, the main module left out of the child's
            # preparation: _serve and what it reads are found by their module's name
            prep = spawn.get_preparation_data(process_obj._name)
            prep.pop("init_main_from_path", None)
            prep.pop("init_main_from_name", None)
            buf = io.BytesIO()
            context.set_spawning_popen(self)
            try:
                reduction.dump(prep, buf)
                reduction.dump(process_obj, buf)
            finally:
                context.set_spawning_popen(None)
            self.sentinel, w = forkserver.connect_to_new_process(self._fds)  # type: ignore[attr-defined]
            parent_w = os.dup(w)  # the child's sentinel of its parent
            close = util.close_fds  # type: ignore[attr-defined]
            self.finalizer = util.Finalize(self, close, (parent_w, self.sentinel))
            with open(w, "wb", closefd=True) as f:
                f.write(buf.getbuffer())
            self.pid = forkserver.read_signed(self.sentinel)

    return Popen


class ForkServerChild(context.ForkServerProcess):
    """A forkserver process that does not import the caller's main module."""

    @staticmethod
    def _Popen(process_obj: Any) -> Any:
        return _popen_class()(process_obj)


def available() -> bool:
    """Can a child parser be started here (a forkserver; not inside a daemonic process,
    which may not have children)?"""
    return (
        "forkserver" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon
    )


def widen(pipe: Connection) -> None:
    """The answer's pipe as wide as the system allows (Linux: up to 1 MiB, 64 KiB by
    default): a book of some megabytes then crosses in a few writes, not one per 64 KiB —
    each a wait for the parent to be scheduled on a loaded machine."""
    import fcntl

    setting = getattr(fcntl, "F_SETPIPE_SZ", None)
    if setting is None:
        return
    try:
        with open("/proc/sys/fs/pipe-max-size") as fh:
            size = int(fh.read())
        fcntl.fcntl(pipe.fileno(), setting, min(size, 1 << 20))
    except (OSError, ValueError):
        pass  # the default width: slower, never wrong


def address_space() -> int:
    """This process's address space in bytes, what ``RLIMIT_AS`` limits (Linux:
    ``/proc/self/statm``; 0 where it cannot be read)."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


@functools.cache
def _malloc_trim() -> Any:
    """glibc's ``malloc_trim``, or None (another C library, or no ctypes)."""
    try:
        import ctypes

        return getattr(ctypes.CDLL(None), "malloc_trim", None)
    except (ImportError, OSError):
        return None


def release() -> None:
    """What a read left behind, given back: its cycles collected (the collector is off in
    the child) and the C heap's free pages returned to the system (glibc's ``malloc_trim``)."""
    import gc

    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


#: what the test-only faults hold mapped (``CHITIEU_TEST_PARSER_ABORT``)
_HELD: list[Any] = []


def hold(size: int) -> None:
    """For tests: keep ``size`` bytes of address space mapped (never touched), as what an
    earlier read left behind would."""
    import mmap

    _HELD.append(mmap.mmap(-1, size))


def fill() -> None:
    """For tests: take every piece of address space the limit leaves, down to 4 KiB, the C
    heap's free lists included (mapped pieces first, then the heap's): a read after it cannot
    make an allocation of more than a few KiB, wherever calamine or Python ask for it."""
    import mmap

    size = 1 << 30
    while size >= 1 << 20:
        try:
            _HELD.append(mmap.mmap(-1, size))
        except (OSError, MemoryError):
            size >>= 1
    while size >= 1 << 12:
        try:
            _HELD.append(bytearray(size))
        except MemoryError:
            size >>= 1


def confine(space: int, end: float, first: bool) -> None:
    """A child parser's limits for a read: its address space (``space`` bytes; the first
    read's is its hard limit too, a later one's no higher) and no core file, the read's time
    until ``end`` (an alarm and CPU seconds, should the parent be gone), its own messages
    silenced (``first``: once)."""
    import resource

    if first:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)  # calamine's "memory allocation … failed" is not the user's business
        _limit(resource.RLIMIT_CORE, 0, 0)
    seconds = max(1, math.ceil(end - time.monotonic()) + 1)
    used = resource.getrusage(resource.RUSAGE_SELF)
    _limit(resource.RLIMIT_CPU, math.ceil(used.ru_utime + used.ru_stime) + seconds, None)
    _limit(resource.RLIMIT_AS, space, space if first else None)
    signal.alarm(seconds + 1)


def _limit(which: int, soft: int, hard: int | None) -> None:
    """Set a resource limit: ``soft`` and ``hard`` (None: the hard one kept), never above the
    hard limit this process has."""
    import resource

    _, now = resource.getrlimit(which)
    if now != resource.RLIM_INFINITY:
        soft = min(soft, now)
        hard = now if hard is None else min(hard, now)
    resource.setrlimit(which, (soft, now if hard is None else hard))
