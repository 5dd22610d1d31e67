"""The one place where Détente errors become HTTP statuses."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from detente import errors as e
from detente.i18n.ui import gettext_for

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


SUMMARY: dict[str, str] = {
    "invalid": "invalid input",
    "ingest": "invalid input",
    "wire": "malformed request",
    "not_canonical": "not canonical JSON",
    "bad_signature": "bad signature",
    "unknown_key": "unknown key",
    "key_not_valid": "key not valid for this entry",
    "wrong_channel": "wrong channel",
    "sequence": "sequence error",
    "replay": "entry already stored (replay)",
    "suspended": "channel suspended",
    "equivocation": "equivocation detected",
    "protocol": "protocol error",
    "proof": "proof does not verify",
    "unauthorized": "not authorised",
    "forbidden": "not permitted for your role",
    "not_found": "not found",
    "rate_limited": "rate limited: slow down and retry",
    "config": "configuration error",
    "store": "database error",
    "internal": "internal error",
}
"""A translatable one-line summary per error code; ``reason`` keeps the exact English detail."""


def localised(payload: dict[str, str | None], request: Request) -> dict[str, str | None]:
    """Add ``message``: the summary in the caller's language (``Accept-Language``: en or zh)."""
    wanted = request.headers.get("accept-language", "en").lower()
    lang = "zh" if wanted.startswith("zh") else "en"
    summary = SUMMARY.get(str(payload.get("error")), "invalid input")
    return {**payload, "message": gettext_for(lang)(summary)}


def status_for(exc: e.DetenteError) -> int:
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 400


def install(app: FastAPI) -> None:
    @app.exception_handler(e.DetenteError)
    async def _detente(request: Request, exc: e.DetenteError) -> JSONResponse:
        return JSONResponse(localised(exc.to_dict(), request), status_code=status_for(exc))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # A bug, not bad input: log it here (without request bodies, which may be secret).
        log.error("unexpected error: %s", exc, exc_info=exc)
        payload = {
            "error": "internal",
            "field": None,
            "reason": "internal error; see the node's log",
        }
        return JSONResponse(localised(payload, request), status_code=500)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Framework-level refusals (bad JSON before validation, unknown route) in our shape.
        code = {404: "not_found", 405: "invalid", 401: "unauthorized", 403: "forbidden"}.get(
            exc.status_code, "wire" if exc.status_code == 400 else "invalid"
        )
        payload = {"error": code, "field": None, "reason": str(exc.detail)}
        return JSONResponse(
            localised(payload, request),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(RequestValidationError)
    async def _request_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        loc = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        payload = {"error": "invalid", "field": loc or None, "reason": str(first.get("msg"))}
        return JSONResponse(localised(payload, request), status_code=422)
