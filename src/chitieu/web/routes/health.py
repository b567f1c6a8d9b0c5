"""Health of the server for the operator's monitoring, without signing in.

``GET /healthz``: the process answers (its event loop runs; nothing else is asked, not even
the store). ``GET /readyz``: the store answers too (one cheap read, ``store/health.py``); if
it does not, 503 with the fault named (``fault``: ``store-gone``, ``store-locked``…, the same
words as every other 503) and ``Retry-After``. Neither reads a session or a token.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from chitieu import __version__
from chitieu.errors import StoreError
from chitieu.store.faults import fault_of
from chitieu.store.health import revision
from chitieu.web import i18n
from chitieu.web.deps import get_store
from chitieu.web.errors import ErrorBody, error_body

LOG = logging.getLogger("chitieu.web")
router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, Any]:
    """The process answers (liveness): no store access."""
    return {"ok": True, "status": "alive", "version": __version__}


@router.get(
    "/readyz",
    response_model=None,
    responses={
        200: {"description": "the store answers"},
        503: {"model": ErrorBody, "description": "the store does not answer; `fault` names why"},
    },
)
def readyz(request: Request) -> dict[str, Any] | JSONResponse:
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
    return {"ok": True, "status": "ready", "database": store.dialect, "revision": rev}
