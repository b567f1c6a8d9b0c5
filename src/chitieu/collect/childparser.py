"""Untrusted workbooks parsed in a child process: a crash costs the file, never the caller.

calamine is Rust: an allocation it cannot make aborts the whole process (SIGABRT, "memory
allocation of 549755813888 bytes failed"), and its read cannot be interrupted. The pre-scan
(``collect.zipscan``) refuses every file known to make it do so; this is the second fence, for
the file that gets past the first. calamine runs in a child process with an address-space
limit (``RLIMIT_AS``: ``max_parser_mb``, ``max_upload_parser_mb`` for a web upload) and the
read's time budget (``max_read_seconds`` / ``max_upload_seconds``; the child is killed when it
runs out). A child that aborts, fails an allocation, crashes or hangs costs that one file a
bilingual error — ``input-parser-failed``, ``input-parser-memory``, ``input-too-slow``: CLI
exit 2, HTTP 400 — and the server or the CLI goes on.

It is cheap: multiprocessing's ``forkserver`` (the one ``report.workers`` starts its pools
from) preloads this module and calamine once; each parse uses one child forked from it, which
reads the file itself (from its path) and sends back only the
:class:`~chitieu.collect.book.Book`, its texts shared so that it pickles small. The child of
the next read is started during this one and waits for its request (a process that wakes is
scheduled at once on a loaded machine, one just forked waits its turn); the garbage collector
is off in the child and while the parent unpickles. No interpreter starts per file, and the
child does not import the caller's main module again (multiprocessing would: a script that
reads a workbook without an ``if __name__ == "__main__"`` guard would run again in the child,
and every child would pay for the script's imports). Where there is no
forkserver (Windows) or the caller is itself a daemonic worker, the read runs in the caller.

``CHITIEU_TEST_PARSER_ABORT`` is **for tests only**: it makes the child fail on purpose —
``1`` or ``abort``: ``os.abort()``; ``memory``: an allocation beyond the limit; ``hang``: it
never answers; ``unchecked``: the sheets' extents are not checked, so that calamine's own
allocation meets the address-space limit.
"""

from __future__ import annotations

import functools
import gc
import io
import math
import multiprocessing
import os
import signal
import threading
import time
import traceback
from dataclasses import dataclass
from multiprocessing import context, forkserver, reduction, util
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from chitieu.collect.book import Book, Workbook
from chitieu.collect.limits import Deadline, Limits
from chitieu.collect.zipscan import Scan
from chitieu.errors import InputFileError
from chitieu.store.gcpause import collector_paused

#: the test-only setting that makes the child parser fail on purpose (see the docstring)
TEST_FAULT = "CHITIEU_TEST_PARSER_ABORT"
#: what the forkserver loads once, for every child it forks
PRELOAD = [__name__, "python_calamine"]
_SETTING = "CHITIEU_MAX_PARSER_MB / CHITIEU_MAX_UPLOAD_PARSER_MB"
_LOCK = threading.Lock()
#: a child started ahead of its read, until it is given one
SPARE_NAME = "chitieu-parser-spare"
_PRELOAD_SET = False


@dataclass(frozen=True)
class Request:
    """One parse: the pre-scanned workbook at ``path``, its sheet and the others asked for."""

    path: str
    file: str
    lim: Limits
    deadline: Deadline
    scan: Scan
    sheet: str | None
    extra: tuple[str, ...] = ()
    sha256: str = ""
    fault: str = ""
    #: every visible sheet as a table, with merged ranges (``Book.sheets``)
    every: bool = False


def read(request: Request) -> Book:
    """Read the workbook with calamine, here in this process."""
    wb = Workbook(Path(request.path), request.file, request.lim, request.deadline, request.scan)
    wb.checked = request.fault != "unchecked"
    return wb.book(request.sheet, request.extra, request.sha256, request.every)


@functools.cache
def _popen_class() -> type:
    """The forkserver's Popen, launching its child without the caller's main module."""
    from multiprocessing import popen_forkserver, spawn

    class Popen(popen_forkserver.Popen):
        def _launch(self, process_obj: Any) -> None:
            # popen_forkserver.Popen._launch, the main module left out of the child's
            # preparation: _child and what it reads are found by their module's name
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


class _Process(context.ForkServerProcess):
    """A forkserver process that does not import the caller's main module."""

    @staticmethod
    def _Popen(process_obj: Any) -> Any:
        return _popen_class()(process_obj)


def _available() -> bool:
    """Can a child parser be started here (a forkserver; not inside a daemonic process,
    which may not have children)?"""
    return (
        "forkserver" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon
    )


@dataclass
class _Child:
    """A child parser started ahead, waiting for its request: the process, the end its
    request is written to, the end its answer is read from, and the process that owns it."""

    process: _Process
    requests: Connection
    answers: Connection
    owner: int

    def close(self) -> None:
        """Close this end of both pipes; end the process if it still runs, and reap it."""
        self.requests.close()
        self.answers.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join()


_SPARE: list[_Child] = []  # at most one, started during the read before


def _start() -> _Child:
    """A child from the forkserver (its preload set once), waiting for a request."""
    global _PRELOAD_SET
    with _LOCK:
        if not _PRELOAD_SET:
            multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)
            _PRELOAD_SET = True
    answers, send = multiprocessing.Pipe(duplex=False)
    _widen(answers)
    wait, requests = multiprocessing.Pipe(duplex=False)
    proc = _Process(target=_waiting, args=(wait, send), name=SPARE_NAME, daemon=True)
    try:
        proc.start()
    finally:
        send.close()
        wait.close()
    return _Child(proc, requests, answers, os.getpid())


def _widen(pipe: Connection) -> None:
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


def _take() -> _Child:
    """The spare child if this process has one alive, else a new one."""
    with _LOCK:
        spare = _SPARE.pop() if _SPARE else None
    if spare is not None and spare.owner == os.getpid() and spare.process.is_alive():
        return spare
    if spare is not None and spare.owner == os.getpid():
        spare.close()
    return _start()


def _replenish() -> None:
    """Start the next read's child now (it waits, already running, for its request: under
    load a process that wakes is scheduled at once, one just forked waits its turn)."""
    with _LOCK:
        if _SPARE:
            return
    try:
        spare = _start()
    except OSError:  # no process to spare now (a limit on processes): the next read forks
        return
    with _LOCK:
        if not _SPARE:
            _SPARE.append(spare)
            return
    spare.close()


def parse(request: Request) -> Book:
    """The :class:`Book` of ``request``, read by calamine in a child process (in this one
    where that cannot be); the child's failures raise ``InputFileError``."""
    if not _available():
        with collector_paused():  # a book's rows: no cycles (store/gcpause.py)
            return read(request)
    child = _take()
    child.process.name = "chitieu-parser"
    try:
        try:
            child.requests.send(request)
        except OSError:  # the spare died while it waited: a new child
            child.close()
            child = _start()
            child.process.name = "chitieu-parser"
            child.requests.send(request)
        _replenish()
        kind, payload = _answer(child.answers, request)
    finally:
        child.close()
    return _result(kind, payload, child.process.exitcode, request)


def _answer(recv: Connection, request: Request) -> tuple[str, Any]:
    """What the child sent: ("ok", Book), ("error", InputFileError), ("memory", None),
    ("bug", its traceback); ("died", None) if it ended without a word, ("slow", None) if the
    read's time ran out."""
    left = request.deadline.end - time.monotonic()
    if not recv.poll(max(left, 0.0)):
        return "slow", None
    try:
        with collector_paused():
            return recv.recv()
    except (EOFError, OSError):
        return "died", None


def _result(kind: str, payload: Any, exitcode: int | None, request: Request) -> Book:
    file, limit = request.file, f"{request.lim.max_parser_mb:g}"
    if kind == "ok":
        return payload
    if kind == "error":
        raise payload
    if kind == "slow":
        raise InputFileError(
            code="input-too-slow",
            file=file,
            seconds=f"{request.deadline.seconds:g}",
            setting="CHITIEU_MAX_READ_SECONDS / CHITIEU_MAX_UPLOAD_SECONDS",
        )
    if kind == "memory":
        raise InputFileError(code="input-parser-memory", file=file, limit=limit, setting=_SETTING)
    if kind == "bug":
        raise RuntimeError(f"the child parser failed on {file}:\n{payload}")
    raise InputFileError(code="input-parser-failed", file=file, signal=_how(exitcode),
                         limit=limit, setting=_SETTING)  # fmt: skip


def _how(exitcode: int | None) -> str:
    """How the child ended: the name of its signal (SIGABRT), or its exit status."""
    if exitcode is not None and exitcode < 0:
        try:
            return signal.Signals(-exitcode).name
        except ValueError:
            return f"signal {-exitcode}"
    return f"exit status {exitcode}"


def _confine(request: Request) -> None:
    """The child's limits: its address space, no core file, the read's time (an alarm and
    CPU seconds, should the parent be gone), its own messages silenced."""
    import resource

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)  # calamine's "memory allocation … failed" is not the user's business
    seconds = max(1, math.ceil(request.deadline.end - time.monotonic()) + 1)
    for limit, value in ((resource.RLIMIT_AS, request.lim.parser_bytes),
                         (resource.RLIMIT_CORE, 0), (resource.RLIMIT_CPU, seconds)):  # fmt: skip
        _, hard = resource.getrlimit(limit)
        if hard != resource.RLIM_INFINITY:  # never above what this process was given
            value = min(value, hard)
        resource.setrlimit(limit, (value, value if limit != resource.RLIMIT_CPU else hard))
    signal.alarm(seconds + 1)


def _fault(request: Request) -> None:
    """The test-only failures of ``CHITIEU_TEST_PARSER_ABORT``."""
    if request.fault in ("1", "abort"):
        os.abort()
    if request.fault == "memory":
        bytearray(request.lim.parser_bytes)
    if request.fault == "hang":
        while True:
            signal.pause()


def _waiting(requests: Connection, send: Connection) -> None:
    """A child started ahead: it waits for its request (ends if its parent goes), then
    reads it as :func:`_child`."""
    try:
        request = requests.recv()
    except (EOFError, OSError):
        os._exit(0)
    requests.close()
    _child(send, request)


def _child(send: Connection, request: Request) -> None:
    """The child: confined, it reads the workbook and sends what came of it, then ends at
    once (nothing to tear down; nothing for the garbage collector to do)."""
    gc.disable()
    message: tuple[str, Any]
    try:
        _confine(request)
        _fault(request)
        message = ("ok", read(request))
    except InputFileError as exc:
        message = ("error", exc)
    except MemoryError:
        message = ("memory", None)
    except Exception:
        message = ("bug", traceback.format_exc())
    try:
        send.send(message)
    except MemoryError:
        send.send(("memory", None))
    finally:
        os._exit(0)


def request_for(
    path: Path,
    file: str,
    lim: Limits,
    deadline: Deadline,
    scan: Scan,
    *,
    sheet: str | None,
    extra: tuple[str, ...] = (),
    sha256: str = "",
    every: bool = False,
) -> Request:
    """A parse of ``path``, with the test-only fault of the environment, if any."""
    return Request(str(path), file, lim, deadline, scan, sheet, extra, sha256,
                   os.environ.get(TEST_FAULT, "").strip().lower(), every)  # fmt: skip
