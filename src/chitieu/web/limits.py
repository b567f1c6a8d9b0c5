"""The size limit of request bodies, checked before anything reads them; and the length limit
of comments as the web tells it.

A body announced larger than ``collect.limits`` allows (``CHITIEU_MAX_BODY_MB``, 10 MiB by
default — more than an upload's own limit, so an upload is refused by its clearer message
first) is answered 413 at once; a body sent without a length is counted as it arrives and cut
off at the limit. Nothing is spooled to disk or memory past it (Starlette's form parser would
otherwise keep a whole multipart body before the route saw it).

A comment that is not a value's (a workflow action's, a lock override's reason) longer than
``CHITIEU_MAX_COMMENT_CHARS`` is answered 422 by :func:`check_comment`; a value's comment is a
finding of the row checks (``collect/comments.py``). The header section's limits are the
server's (``web/server.py``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chitieu.collect import comments
from chitieu.collect.limits import body_limit, mib
from chitieu.errors import InputFileError, Invalid
from chitieu.web.errors import TooLarge


def _too_large(size: int, top: int) -> TooLarge:
    err = InputFileError(
        code="input-body-too-big", size=mib(size), limit=mib(top), setting="CHITIEU_MAX_BODY_MB"
    )
    from chitieu.web import i18n

    message, hint = err.text(i18n.get_lang())
    return TooLarge(message, hint)


def check_comment(field: str, text: str | None) -> None:
    """422 for a comment longer than the limit, naming ``field``, its length and the limit
    (``collect.comments.CommentTooLong``; phrased in the request's language by the handler)."""
    comments.check_comment(field, text)


class BodyLimit:
    """ASGI middleware: 413 for a body over the limit (announced or counted)."""

    def __init__(
        self, app: ASGIApp, handle: Callable[[Request, Exception], Awaitable[Response]]
    ) -> None:
        self.app = app
        self.handle = handle  # web.app's one error handler (given: no import cycle)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        top = body_limit()
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > top:
            await self._refuse(scope, receive, send, int(length), top)
            return
        seen, refused = 0, False

        async def counted() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > top and not refused:  # told now; the app sees the client leave
                    refused = True
                    await self._refuse(scope, receive, send, seen, top)
                    return {"type": "http.disconnect"}
            return message

        async def quiet(message: Message) -> None:
            if not refused:  # after a refusal the app has nothing more to say
                await send(message)

        await self.app(scope, counted, quiet)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, size: int, top: int
    ) -> None:
        response = await self.handle(Request(scope, receive), _too_large(size, top))
        response.headers["Connection"] = "close"  # the body is not read
        await response(scope, receive, send)


def _has_nul(scope: Scope) -> bool:
    query = scope.get("query_string") or b""
    return "\x00" in scope.get("path", "") or b"%00" in query or b"\x00" in query


class NoNul:
    """ASGI middleware: 422 for a path or query that holds a NUL character (``%00``). No text
    the store keeps may hold one (PostgreSQL refuses it: a 503 otherwise), and no code,
    period or filter the routes take has one."""

    def __init__(
        self, app: ASGIApp, handle: Callable[[Request, Exception], Awaitable[Response]]
    ) -> None:
        self.app = app
        self.handle = handle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _has_nul(scope):
            request = Request(scope, receive)
            response = await self.handle(request, Invalid(code="input-nul-in-request"))
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
