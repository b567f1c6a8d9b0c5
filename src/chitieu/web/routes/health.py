"""Health of the server for the operator's monitoring, without signing in.

``GET /healthz``: the process answers (its event loop runs; nothing else is asked, not even
the store). ``GET /readyz``: the store answers too (one cheap read, ``store/health.py``); if
it does not, 503 with the fault named (``fault``: ``store-gone``, ``store-locked``…, the same
words as every other 503) and ``Retry-After``. Neither reads a session or a token.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from chitieu import __version__
from chitieu.errors import StoreError
from chitieu.store.faults import fault_of
from chitieu.store.health import revision
from chitieu.web import i18n
from chitieu.web.deps import get_store
from chitieu.web.errors import ErrorBody, error_body

LOG = logging.getLogger("chitieu.web")
router = APIRouter(tags=["health"])


class Alive(BaseModel):
    """The answer of ``/healthz``."""

    ok: bool = True
    status: str = "alive"
    version: str


class Ready(BaseModel):
    """The answer of ``/readyz`` when the store answers."""

    ok: bool = True
    status: str = "ready"
    database: str
    revision: str


@router.get("/healthz", summary="Liveness")
async def healthz() -> Alive:
    """The process answers (liveness): no store access."""
    return Alive(version=__version__)


@router.get(
    "/readyz",
    summary="Readiness",
    response_model=Ready,
    responses={
        503: {"model": ErrorBody, "description": "the store does not answer; `fault` names why"}
    },
)
def readyz(request: Request) -> Ready | JSONResponse:
    """The store answers a cheap query (readiness); 503 with the fault named otherwise."""
    store = get_store(request)
    try:
        rev = revision(store)
    except Exception as exc:
        fault = fault_of(exc, store.url) or StoreError(
            code="store-fault", db=store.url, detail=type(exc).__name__
        )
        LOG.warning("readiness: the store does not answer: %s", exc)
        message, hint = fault.text(i18n.get_lang())
        body = error_body(message, 503, hint, fault=fault.code)
        return JSONResponse(body, 503, headers={"Retry-After": "5"})
    return Ready(database=store.dialect, revision=rev)
