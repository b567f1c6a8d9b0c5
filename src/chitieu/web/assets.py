"""Static assets: fingerprinted names, compressed once (brotli and gzip), cached for a year.

Every file of ``web/static`` is served at ``/assets/<stem>.<hash><suffix>``, the hash being the
first 12 hex digits of its SHA-256: a changed file gets a new name, so the old one may be
cached for a year as ``immutable`` and a repeat visit asks nothing of the server. Templates
name a file with ``asset("style.css")``. The files are read and compressed once per process
(brotli at its best quality, gzip at 9): the server sends the bytes the browser accepts
(``br`` before ``gzip``), with ``Vary: Accept-Encoding``. The old ``/static/<name>`` stays for
links written before, revalidated (``no-cache``) rather than kept.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import brotli  # type: ignore[import-untyped]
from fastapi import APIRouter, Request
from fastapi.responses import Response

from chitieu.web.errors import NotFound

STATIC = Path(__file__).parent / "static"
#: a year, in seconds: the longest Cache-Control max-age browsers honour
YEAR = 31_536_000
IMMUTABLE = f"public, max-age={YEAR}, immutable"
_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}


@dataclass(frozen=True)
class Asset:
    """One static file under its fingerprinted name, with its compressed forms."""

    name: str  # as templates call it: "style.css"
    served: str  # "style.3f2a9c1b0d4e.css"
    media_type: str
    raw: bytes
    gz: bytes
    br: bytes

    @property
    def url(self) -> str:
        """Where the file is served."""
        return f"/assets/{self.served}"

    @property
    def etag(self) -> str:
        """The strong validator (the fingerprint)."""
        return '"' + self.served.split(".")[-2] + '"'


def _asset(path: Path) -> Asset:
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()[:12]
    name = path.relative_to(STATIC).as_posix()
    stem, dot, suffix = name.rpartition(".")
    served = f"{stem}.{digest}.{suffix}" if dot else f"{name}.{digest}"
    media = _TYPES.get(path.suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Asset(
        name, served, media, raw, gzip.compress(raw, 9, mtime=0), brotli.compress(raw, quality=11)
    )


@cache
def assets() -> dict[str, Asset]:
    """Every static file by its plain name (read and compressed once per process)."""
    return {a.name: a for a in map(_asset, sorted(p for p in STATIC.rglob("*") if p.is_file()))}


@cache
def by_served() -> dict[str, Asset]:
    """Every static file by its fingerprinted name."""
    return {a.served: a for a in assets().values()}


def asset(name: str) -> str:
    """The URL of static file ``name`` under its fingerprint (a template global)."""
    try:
        return assets()[name].url
    except KeyError:
        raise KeyError(f"no static file {name!r} in {STATIC}") from None


def accepted(header: str) -> list[str]:
    """The encodings an Accept-Encoding header accepts (those with q=0 left out), in order."""
    out: list[str] = []
    for part in header.lower().split(","):
        token, _sep, params = part.strip().partition(";")
        q = params.strip().removeprefix("q=")
        if token and not (params and q.replace(".", "").strip("0") == ""):
            out.append(token)
    return out


def pick_encoding(header: str) -> str | None:
    """``br`` if accepted, else ``gzip``, else None."""
    got = accepted(header)
    return next((e for e in ("br", "gzip") if e in got), None)


router = APIRouter(include_in_schema=False)


@router.get("/assets/{served:path}")
def serve_asset(request: Request, served: str) -> Response:
    """A fingerprinted static file, compressed as the browser accepts, cached for a year."""
    a = by_served().get(served)
    if a is None:
        raise NotFound("There is no such page.")
    headers = {"Cache-Control": IMMUTABLE, "ETag": a.etag, "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == a.etag:
        return Response(status_code=304, headers=headers)
    enc = pick_encoding(request.headers.get("accept-encoding", ""))
    body = {"br": a.br, "gzip": a.gz}.get(enc or "", a.raw)
    if enc and len(body) < len(a.raw):
        headers["Content-Encoding"] = enc
    else:
        body = a.raw
    return Response(body, media_type=a.media_type, headers=headers)
