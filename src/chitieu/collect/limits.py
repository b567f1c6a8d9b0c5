"""How much an input may hold: the limits every path that reads a file checks first.

A file is refused before the expensive work — calamine building a sheet's range, pyarrow or
the csv module reading the text, zlib inflating a zip's entries — when its size, its zip's
declared sizes, its sheets' extent or its lines pass a limit. Each limit has a safe default and
is overridden by an environment variable named after it: ``CHITIEU_`` and the field's name in
capitals (``CHITIEU_MAX_FILE_MB=500``). The web upload of a form's template has its own,
smaller limits (:meth:`Limits.for_upload`); :func:`body_limit` gives the size a JSON request
body may have.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from chitieu.errors import InputFileError

MIB = 1 << 20


def positive(name: str, text: str, kind: type[int] | type[float]) -> int | float:
    """The positive number a setting ``name`` of the environment says (``_`` between digits
    allowed); anything else is refused with ``input-bad-limit``."""
    try:
        value = kind(text.strip().replace("_", ""))
    except ValueError:
        value = -1
    if not value > 0:
        raise InputFileError(code="input-bad-limit", name=name, text=text)
    return value


def overrides(
    cls: Any, env: Mapping[str, str], name: Callable[[str], str]
) -> dict[str, int | float]:
    """The fields of the settings dataclass ``cls`` that ``env`` sets, each under the name
    ``name(field)``: a positive number of the field's type (:func:`positive`); unset or blank
    names keep their defaults. The one reading of the project's numeric settings (limits,
    the server's, the conference board's event stream)."""
    got: dict[str, int | float] = {}
    for f in fields(cls):
        key = name(f.name)
        text = env.get(key, "")
        if text.strip():
            got[f.name] = positive(key, text, int if f.type in ("int", int) else float)
    return got


@dataclass(frozen=True)
class Limits:
    """The limits of one read (defaults; :func:`limits` applies the environment's overrides)."""

    #: largest file ``chitieu import`` (and the tasks' and references' imports) reads, in MiB
    max_file_mb: float = 200
    #: largest file the web upload of a form's Excel template accepts, in MiB
    max_upload_mb: float = 5
    #: largest sum of the uncompressed sizes a workbook's zip declares, in MiB
    max_unzipped_mb: float = 512
    #: the same for a web upload, in MiB (a template is a few kilobytes)
    max_upload_unzipped_mb: float = 50
    #: highest compression ratio (uncompressed / compressed) of a zip entry over 1 MiB;
    #: Excel's sheets compress 5–20 times, a zip bomb of one repeated byte a thousand times
    max_zip_ratio: float = 200
    #: most entries (parts) a workbook's zip may hold
    max_zip_entries: int = 10_000
    #: most cells a sheet may span, counted from A1 to its last row and column (calamine
    #: builds that whole rectangle; about 1 GB of memory for 8 million)
    max_cells: int = 8_000_000
    #: the same for a web upload
    max_upload_cells: int = 200_000
    #: most rows of a file (its lines for a CSV, the last row for a sheet)
    max_rows: int = 10_000_000
    #: most columns of a file (the long layout has seven)
    max_columns: int = 1_024
    #: longest text of one cell, in characters (Excel's own limit)
    max_cell_chars: int = 32_767
    #: longest line of a CSV file, in bytes
    max_line_bytes: int = MIB
    #: time budget of reading one file (checking and reading its cells), in seconds
    max_read_seconds: float = 600
    #: the same for a web upload
    max_upload_seconds: float = 20
    #: largest request body a JSON API accepts, in MiB
    max_body_mb: float = 10
    # --- a workbook's other parts and the child parser (issue 15) ---
    #: largest uncompressed size of a part calamine holds whole other than a worksheet
    #: (shared strings, styles, the workbook and its relationships), in MiB; the shared
    #: strings' count is limited by ``max_cells`` (``max_upload_cells``) like cells
    max_part_mb: float = 256
    #: most XML elements of the styles, the workbook or a relationships part (each one an
    #: entry in calamine's memory; Excel's styles have at most 64,000 cell formats)
    max_part_elements: int = 1_000_000
    #: address space of the child process that parses a workbook with calamine, in MiB
    #: (an allocation beyond it fails in the child, never in the server or the CLI)
    max_parser_mb: float = 4096
    #: the same for a web upload
    max_upload_parser_mb: float = 1024
    # --- texts people write (issue 15; checked by collect/comments.py) ---
    #: longest comment of a value, a workflow action or a lock override, in characters (at
    #: most 32,767, what an Excel cell holds: the form's template must hold every comment)
    max_comment_chars: int = 2_000

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Limits:
        """The defaults with every ``CHITIEU_<FIELD>`` of the environment applied."""
        source: Mapping[str, str] = os.environ if env is None else env
        return cls(**overrides(cls, source, lambda f: f"CHITIEU_{f.upper()}"))  # type: ignore[arg-type]

    def for_upload(self) -> Limits:
        """The limits of a web upload: its size, unzipped size, cells, time and the child
        parser's memory in place of the import's."""
        return replace(
            self,
            max_file_mb=self.max_upload_mb,
            max_unzipped_mb=self.max_upload_unzipped_mb,
            max_cells=self.max_upload_cells,
            max_read_seconds=self.max_upload_seconds,
            max_parser_mb=self.max_upload_parser_mb,
        )

    @property
    def file_bytes(self) -> int:
        """The largest file, in bytes."""
        return int(self.max_file_mb * MIB)

    @property
    def unzipped_bytes(self) -> int:
        """The largest sum of a zip's uncompressed sizes, in bytes."""
        return int(self.max_unzipped_mb * MIB)

    @property
    def part_bytes(self) -> int:
        """The largest part other than a worksheet, in bytes."""
        return int(self.max_part_mb * MIB)

    @property
    def parser_bytes(self) -> int:
        """The child parser's address space, in bytes."""
        return int(self.max_parser_mb * MIB)

    def deadline(self) -> Deadline:
        """A clock for one read, running out after ``max_read_seconds``."""
        return Deadline(self.max_read_seconds)


class Deadline:
    """The time budget of one read: ``check()`` raises once it has run out."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def check(self, file: str) -> None:
        """Refuse ``file`` if reading it has taken longer than the budget."""
        if time.monotonic() > self.end:
            raise InputFileError(
                code="input-too-slow",
                file=file,
                seconds=f"{self.seconds:g}",
                setting="CHITIEU_MAX_READ_SECONDS / CHITIEU_MAX_UPLOAD_SECONDS",
            )


def limits() -> Limits:
    """The limits in force: the defaults and the environment's overrides (read each call)."""
    return Limits.from_env()


def mib(n: float) -> str:
    """A size in MiB as it is told to users: 1.5, 200."""
    return f"{n / MIB:.1f}".removesuffix(".0")


class Count(int):
    """A number an error's text writes the way of its language: ``{rows:vi}`` 1.048.576,
    ``{rows:en}`` 1,048,576 (Babel); any other format spec as an int's."""

    def __format__(self, spec: str) -> str:
        if spec in ("vi", "en"):
            from chitieu.fmt import format_number

            return format_number(int(self), 0, spec)
        return int.__format__(self, spec)


def counts(**numbers: int) -> dict[str, Any]:
    """Numbers for an error's parameters, each written the way of the text's language (each
    a :class:`Count`; typed ``Any`` so that ``**counts(…)`` passes as keyword parameters)."""
    return {k: Count(v) for k, v in numbers.items()}


def check_size(size: int, file: str, lim: Limits, *, upload: bool = False) -> None:
    """Refuse a file of ``size`` bytes if it is larger than the limit."""
    if size > lim.file_bytes:
        setting = "CHITIEU_MAX_UPLOAD_MB" if upload else "CHITIEU_MAX_FILE_MB"
        raise InputFileError(
            code="input-too-big",
            file=file,
            size=mib(size),
            limit=f"{lim.max_file_mb:g}",
            setting=setting,
        )


def body_limit(lim: Limits | None = None) -> int:
    """The largest request body a JSON API should read, in bytes (``CHITIEU_MAX_BODY_MB``)."""
    return int((lim or limits()).max_body_mb * MIB)


def check_body(length: int | None, lim: Limits | None = None) -> None:
    """Refuse a request body of ``length`` bytes (a Content-Length, or what was read) that is
    larger than :func:`body_limit`; None (not known yet) passes."""
    top = body_limit(lim)
    if length is not None and length > top:
        raise InputFileError(
            code="input-body-too-big",
            size=mib(length),
            limit=mib(top),
            setting="CHITIEU_MAX_BODY_MB",
        )
