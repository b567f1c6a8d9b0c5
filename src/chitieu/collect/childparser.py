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
from) preloads this module and calamine once; a read is handed to a child forked from it,
which reads the file itself (from its path) and sends back only the
:class:`~chitieu.collect.book.Book`, its texts shared so that it pickles small. A one-shot run
(``chitieu import``) starts one child per read, which ends with it. A long-lived process —
the web server, workers — calls :func:`keep_reader`: its child then waits, already running,
for the next read (no fork, no start-up, and no pages copied again per file: each of those
is a turn of another process on a loaded machine), until it has made :data:`KEEP_READS`
reads, held :data:`KEEP_MB`, or failed (a child that aborted, hung or ran out of memory is
never kept). After each read the child gives back what the read left (its cycles collected,
glibc's ``malloc_trim``); a kept child whose address space is still larger than when it
started by more than a :data:`RETIRE_SHARE` of the next read's limit hands that read to a
fresh child, and a kept child that runs out of memory or dies in a read has it made again,
once, by a fresh child (never kept): the address-space limit counts what earlier reads left
mapped, and a file a fresh child reads is not refused because an earlier one was read in the
same child. The garbage collector is off in the child and while the parent unpickles. No
interpreter starts per file, and the child does not import the caller's main module again
(multiprocessing would: a script that reads a workbook without an
``if __name__ == "__main__"`` guard would run again in the child, and every child would pay
for the script's imports). Where there is no forkserver (Windows) or the caller is itself a
daemonic worker, the read runs in the caller.

``CHITIEU_TEST_PARSER_ABORT`` is **for tests only**: it makes the child fail on purpose —
``1`` or ``abort``: ``os.abort()``; ``memory``: an allocation beyond the limit; ``hang``: it
never answers; ``unchecked``: the sheets' extents are not checked, so that calamine's own
allocation meets the address-space limit; ``full``: a kept child (not a fresh one) takes all
its address space before it reads, as earlier reads could have left it; ``leftover``: the read
leaves a quarter of its limit mapped.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from chitieu.collect import childproc
from chitieu.collect.book import Book, Workbook
from chitieu.collect.childproc import ForkServerChild as _Process
from chitieu.collect.childproc import available as _available
from chitieu.collect.childproc import widen as _widen
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
#: the name of a child parser while it reads, and while it waits kept for the next read
READING, WAITING = "chitieu-parser", "chitieu-parser-waiting"
#: a kept child ends after this many reads, or once it has held this many MiB
KEEP_READS, KEEP_MB = 500, 256
#: a kept child hands a read to a fresh one when its address space has grown since it started
#: by more than this share (1/16) of the read's limit
RETIRE_SHARE = 16
#: what a kept child answers in place of a read it hands on (:data:`RETIRE_SHARE`), and what
#: a kept child's failure may come from: what earlier reads left in its address space
_RETIRED, _MAYBE_LEFT = "retire", ("retire", "memory", "died")
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
    #: so if the workbook has no ``sheet``
    or_every: bool = False


def read(request: Request) -> Book:
    """Read the workbook with calamine, here in this process."""
    wb = Workbook(Path(request.path), request.file, request.lim, request.deadline, request.scan)
    wb.checked = request.fault != "unchecked"
    return wb.book(request.sheet, request.extra, request.sha256, request.every, request.or_every)


@dataclass
class _Child:
    """A child parser: the process, the end its requests are written to, the end its answers
    are read from, the process that owns it, and the address-space limit it took with its
    first request (0 before that): a read under a lower limit lowers it for that read only
    (the soft limit), none can raise it."""

    process: _Process
    requests: Connection
    answers: Connection
    owner: int
    limit: int = 0
    #: the reads it has answered
    reads: int = 0

    def close(self) -> None:
        """Close this end of both pipes; end the process if it still runs, and reap it."""
        self.requests.close()
        self.answers.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join()


#: the reader a long-lived process keeps between reads (at most one), see :func:`keep_reader`
_KEPT: list[_Child] = []
_STATE = {"keep": False, "started": 0}


def keep_reader(on: bool = True) -> None:
    """Keep the child parser of a read for the next one (``on``): for long-lived processes —
    the web server, workers — that read many files. A one-shot run (``chitieu import``) keeps
    none: its child ends with its read, and no other is started. Off: the kept one ends."""
    _STATE["keep"] = on
    if not on:
        with _LOCK:
            kept, _KEPT[:] = list(_KEPT), []
        for child in kept:
            if child.owner == os.getpid():
                child.close()


@contextmanager
def one_shot() -> Iterator[None]:
    """Reads in the block made as a one-shot run makes them (a child started per read, none
    kept); a child kept before waits, untouched, for the reads after (the benchmark compares
    the two)."""
    with _LOCK:
        aside, _KEPT[:] = list(_KEPT), []
    was, _STATE["keep"] = _STATE["keep"], False
    try:
        yield
    finally:
        _STATE["keep"] = was
        with _LOCK:
            extra, _KEPT[:] = list(_KEPT), aside
        for child in extra:
            child.close()


def started() -> int:
    """How many child parsers this process has started (tests count them)."""
    return _STATE["started"]


def kept() -> int:
    """How many child parsers wait in this process for a read (0 or 1)."""
    with _LOCK:
        return sum(1 for c in _KEPT if c.owner == os.getpid() and c.process.is_alive())


def _start() -> _Child:
    """A child from the forkserver (its preload set once), waiting for a request."""
    global _PRELOAD_SET
    with _LOCK:
        if not _PRELOAD_SET:
            multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)
            _PRELOAD_SET = True
        _STATE["started"] += 1
    answers, send = multiprocessing.Pipe(duplex=False)
    _widen(answers)
    wait, requests = multiprocessing.Pipe(duplex=False)
    proc = _Process(target=_serve, args=(wait, send), name=READING, daemon=True)
    try:
        proc.start()
    finally:
        send.close()
        wait.close()
    return _Child(proc, requests, answers, os.getpid())


def _take(limit: int) -> _Child:
    """The kept child if this process has one alive whose address space holds ``limit``
    (it reads under ``limit``), else a new one."""
    with _LOCK:
        got = _KEPT.pop() if _KEPT else None
    if got is not None and got.owner == os.getpid():
        if got.process.is_alive() and limit <= got.limit:
            got.process.name = READING
            return got
        got.close()
    return _start()


def _give_back(child: _Child, stays: bool) -> None:
    """Keep ``child`` for the next read if it stays and this process keeps one (of two, the
    one of the larger address space); else end it."""
    if stays and _STATE["keep"] and child.owner == os.getpid():
        child.process.name = WAITING
        with _LOCK:
            other = _KEPT.pop() if _KEPT else None
            if other is not None and other.limit > child.limit:
                child, other = other, child
            _KEPT.append(child)
        if other is None:
            return
        child = other
    child.close()


def parse(request: Request) -> Book:
    """The :class:`Book` of ``request``, read by calamine in a child process (in this one
    where that cannot be); the child's failures raise ``InputFileError``."""
    if not _available():
        with collector_paused():  # a book's rows: no cycles (store/gcpause.py)
            return read(request)
    kind, payload, exitcode, kept = _ask(_take(request.lim.parser_bytes), request)
    if kept and kind in _MAYBE_LEFT:  # what earlier reads left: a fresh child reads it
        kind, payload, exitcode, _ = _ask(_start(), request, keep=kind == _RETIRED)
    return _result(kind, payload, exitcode, request)


def _ask(child: _Child, request: Request, keep: bool = True) -> tuple[str, Any, int | None, bool]:
    """``request`` read by ``child`` (a new one if it died while it waited): what came of it
    (see :func:`_answer`), how the child ended if it did, and whether it had read before
    (kept); the child kept after if it stays and ``keep``."""
    stays = False
    try:
        try:
            child.requests.send(request)
        except OSError:  # the kept child died while it waited: a new one
            child.close()
            child = _start()
            child.requests.send(request)
        child.limit = child.limit or request.lim.parser_bytes
        kind, payload, stays = _answer(child.answers, request)
        child.reads += 1
    finally:
        _give_back(child, stays and keep)
    return kind, payload, child.process.exitcode, child.reads > 1


def _answer(recv: Connection, request: Request) -> tuple[str, Any, bool]:
    """What the child sent: ("ok", Book), ("error", InputFileError), ("memory", None),
    ("bug", its traceback); ("died", None) if it ended without a word, ("slow", None) if the
    read's time ran out; and whether the child stays for another read."""
    left = request.deadline.end - time.monotonic()
    if not recv.poll(max(left, 0.0)):
        return "slow", None, False
    try:
        with collector_paused():
            kind, payload, stays = recv.recv()
    except (EOFError, OSError):
        return "died", None, False
    return kind, payload, stays


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


def _fault(request: Request, first: bool) -> None:
    """The test-only failures of ``CHITIEU_TEST_PARSER_ABORT``."""
    if request.fault in ("1", "abort"):
        os.abort()
    if request.fault == "memory":
        bytearray(request.lim.parser_bytes)
    if request.fault == "full" and not first:
        childproc.fill()
    if request.fault == "hang":
        while True:
            signal.pause()


def _serve(requests: Connection, send: Connection) -> None:
    """The child: it waits for a request (ends if its parent goes), reads it confined and
    sends what came of it; it waits for the next one while it may stay (:func:`_stays`), else
    ends at once (nothing to tear down; nothing for the garbage collector to do)."""
    gc.disable()  # a book's rows: no cycles; what a read leaves is collected after it
    gc.freeze()  # what the forkserver loaded: never walked by those collections
    start = childproc.address_space()
    reads = 0
    while True:
        try:
            request = requests.recv()
        except (EOFError, OSError):
            os._exit(0)
        grown = childproc.address_space() - start
        if reads and grown > request.lim.parser_bytes // RETIRE_SHARE:
            send.send((_RETIRED, None, False))  # a fresh child reads it (see parse)
            os._exit(0)
        kind, payload = _one(request, first=reads == 0)
        reads += 1
        stays = kind in ("ok", "error") and _stays(reads)
        try:
            send.send((kind, payload, stays))
        except MemoryError:
            send.send(("memory", None, False))
            stays = False
        if not stays:
            os._exit(0)
        signal.alarm(0)
        del payload
        childproc.release()


def _one(request: Request, first: bool) -> tuple[str, Any]:
    """One read in the child: ("ok", Book) or what went wrong (see :func:`_answer`)."""
    try:
        childproc.confine(request.lim.parser_bytes, request.deadline.end, first)
        _fault(request, first)
        book = read(request)
        if request.fault == "leftover":
            childproc.hold(request.lim.parser_bytes // 4)
        return "ok", book
    except InputFileError as exc:
        return "error", exc
    except MemoryError:
        return "memory", None
    except Exception:
        return "bug", traceback.format_exc()


def _stays(reads: int) -> bool:
    """Whether a child that has made ``reads`` reads may wait for another: not past
    :data:`KEEP_READS` of them, nor once it has held more than :data:`KEEP_MB` (a big read's
    memory is not given back to the system: a new child starts small)."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return reads < KEEP_READS and peak < KEEP_MB * 1024


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
    or_every: bool = False,
) -> Request:
    """A parse of ``path``, with the test-only fault of the environment, if any."""
    return Request(str(path), file, lim, deadline, scan, sheet, extra, sha256,
                   os.environ.get(TEST_FAULT, "").strip().lower(), every, or_every)  # fmt: skip
