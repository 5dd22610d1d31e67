"""Reading request bodies with limits before any JSON parser sees them."""

from __future__ import annotations

import json

from fastapi import Request

from detente.errors import WireError


async def read_limited(request: Request, max_bytes: int) -> bytes:
    """The raw body, refused early when it is larger than ``max_bytes``."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            declared_n = int(declared)
        except ValueError:
            raise WireError("content-length is not a number", field="content-length") from None
        if declared_n > max_bytes:
            raise WireError(
                f"body of {declared_n} bytes exceeds the limit of {max_bytes}", field="body"
            )
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise WireError(f"body exceeds the limit of {max_bytes} bytes", field="body")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(raw: bytes) -> object:
    """Strict JSON: UTF-8 only, no NaN, bounded nesting (RecursionError is caught)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WireError(f"body is not valid UTF-8 at byte {exc.start}", field="body") from exc

    def _no_constants(name: str) -> object:
        raise WireError(f"{name} is not valid JSON", field="body")

    try:
        return json.loads(text, parse_constant=_no_constants)
    except RecursionError:
        raise WireError("JSON is nested too deeply", field="body") from None
    except json.JSONDecodeError as exc:
        raise WireError(
            f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", field="body"
        ) from exc
