"""The length limit of comments: the one check every path that stores a comment calls.

A comment — of a value (the import's ``comment`` column, the form's field, the Excel
template's «Ghi chú» cell, the API's ``comment`` and ``comments``), of a workflow action or of a
lock override — holds at most ``CHITIEU_MAX_COMMENT_CHARS`` characters (``Limits``, default
2,000). A longer one is refused with its place, its length and the limit, never cut: before
this limit a 200,000-character comment was stored whole and then cut to 32,767 characters by
the form's Excel template without a word. The limit may not pass Excel's cell limit
(:data:`EXCEL_CELL_CHARS`), so that the template always holds a stored comment whole.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from chitieu.check.findings import Finding
from chitieu.collect.limits import Limits, counts
from chitieu.errors import InputFileError, Invalid

#: the most characters an Excel cell holds
EXCEL_CELL_CHARS = 32_767
SETTING = "CHITIEU_MAX_COMMENT_CHARS"


@cache
def _limit(text: str) -> int:
    top = Limits.from_env({SETTING: text}).max_comment_chars
    if top > EXCEL_CELL_CHARS:
        params: dict[str, Any] = {"text": text, **counts(limit=EXCEL_CELL_CHARS)}
        raise InputFileError(code="input-comment-limit-too-high", **params)
    return top


def comment_limit() -> int:
    """The longest comment, in characters (``CHITIEU_MAX_COMMENT_CHARS``; read each call,
    parsed once per distinct value; a bad value raises ``InputFileError``)."""
    return _limit(os.environ.get(SETTING, ""))


def too_long(text: str | None) -> bool:
    """Whether a comment (as it is stored: stripped) is longer than the limit."""
    return text is not None and len(text) > comment_limit()


def comment_finding(cell: Any, where: dict[str, Any]) -> Finding | None:
    """The ``comment-too-long`` finding of a value's comment cell (None if it is not too
    long); ``where`` locates it (file, sheet, row; or indicator, unit, period)."""
    text = str(cell).strip() if isinstance(cell, str) else None
    if not text or not too_long(text):
        return None
    shown = text[:60] + "…"
    params = counts(length=len(text), limit=comment_limit())
    return Finding("comment-too-long", value=shown, column="comment", params=params, **where)


class CommentTooLong(Invalid):
    """A workflow action's or an override's comment longer than the limit (exit 1, 422)."""

    @property
    def extra(self) -> dict[str, Any]:
        """The field, its length and the limit, for the API's error body."""
        return {"field": self.params["field"], "length": self.length, "limit": self.limit}

    def __init__(self, field: str, length: int, limit: int) -> None:
        self.length, self.limit = length, limit
        super().__init__(code="input-comment-too-long", field=field,
                         **counts(length=length, limit=limit))  # fmt: skip


def check_comment(field: str, text: str | None) -> None:
    """Refuse a workflow action's or an override's comment (``field`` names it) that is longer
    than the limit: :class:`CommentTooLong` (the CLI exits 1, the web answers 422)."""
    stripped = (text or "").strip()
    if too_long(stripped):
        raise CommentTooLong(field, len(stripped), comment_limit())


def column_too_long(lengths_max: int | None) -> bool:
    """For a column path (``collect/columns.py``): whether the longest comment of a column
    may pass the limit — it then sends the file to the row path, which names each row."""
    return lengths_max is not None and lengths_max > comment_limit()
