"""The child parser's process (``collect.childparser``): a ``forkserver`` child that does not
import the caller's main module again, and the pipe its answer comes back through, widened."""

from __future__ import annotations

import functools
import io
import multiprocessing
import os
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
