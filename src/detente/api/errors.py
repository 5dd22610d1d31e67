"""The one place where Détente errors become HTTP statuses."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from detente import errors as e

log = logging.getLogger(__name__)

STATUS: list[tuple[type[e.DetenteError], int]] = [
    (e.ForbiddenError, 403),
    (e.AuthError, 401),
    (e.NotFoundError, 404),
    (e.RateLimitError, 429),
    (e.ReplayError, 409),
    (e.EquivocationError, 409),
    (e.SequenceError, 409),
    (e.SuspendedError, 409),
    (e.ChannelError, 404),
    (e.UnknownKeyError, 403),
    (e.KeyValidityError, 403),
    (e.SignatureError, 403),
    (e.ProtocolError, 422),
    (e.WireError, 400),
    (e.ValidationError, 422),
    (e.ConfigError, 500),
    (e.StoreError, 503),
]


def status_for(exc: e.DetenteError) -> int:
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 400


def install(app: FastAPI) -> None:
    @app.exception_handler(e.DetenteError)
    async def _detente(_request: Request, exc: e.DetenteError) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=status_for(exc))

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        # A bug, not bad input: log it here (without request bodies, which may be secret).
        log.error("unexpected error: %s", exc, exc_info=exc)
        return JSONResponse(
            {"error": "internal", "field": None, "reason": "internal error; see the node's log"},
            status_code=500,
        )

    @app.exception_handler(RequestValidationError)
    async def _request_validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        loc = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return JSONResponse(
            {"error": "invalid", "field": loc or None, "reason": str(first.get("msg"))},
            status_code=422,
        )
