"""Signed peer requests: every call between nodes says who makes it and proves it.

Entries are signed on their own; request signatures add that a pull or a push
comes from a node the channel lists, recently, for exactly this method, path
and body. A replayed request is harmless (pushes are idempotent) and must be
within the allowed clock skew.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping

from detente.errors import AuthError, SignatureError, ValidationError
from detente.wire.keys import SigningKey, VerifyKey, b64decode, b64encode

H_PARTY = "detente-party"
H_KEY = "detente-key"
H_DATE = "detente-date"
H_SIG = "detente-signature"
REQUEST_SKEW_S = 300.0


def _message(method: str, target: str, date: str, body: bytes) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return f"detente-request-v1\n{method.upper()}\n{target}\n{date}\n{digest}".encode()


def sign_request(
    key: SigningKey, party: str, method: str, target: str, body: bytes, now_s: float
) -> dict[str, str]:
    """Headers for a request to ``target`` (path and query, exactly as sent)."""
    date = f"{now_s:.3f}"
    sig = key.sign(_message(method, target, date, body))
    return {H_PARTY: party, H_KEY: key.key_id, H_DATE: date, H_SIG: b64encode(sig)}


def verify_request(
    headers: Mapping[str, str],
    method: str,
    target: str,
    body: bytes,
    key_for: Callable[[str, str], VerifyKey | None],
    now_s: float,
) -> str:
    """Return the authenticated party, or raise ``AuthError`` naming what failed."""
    party, key_id = headers.get(H_PARTY), headers.get(H_KEY)
    date, sig_text = headers.get(H_DATE), headers.get(H_SIG)
    for name, value in ((H_PARTY, party), (H_KEY, key_id), (H_DATE, date), (H_SIG, sig_text)):
        if not value:
            raise AuthError("missing request signature header", field=name)
    assert party and key_id and date and sig_text
    try:
        sent_s = float(date)
    except ValueError:
        raise AuthError("not a number", field=H_DATE) from None
    if abs(now_s - sent_s) > REQUEST_SKEW_S:
        raise AuthError(
            f"request time is {now_s - sent_s:+.0f} s off; the limit is ±{REQUEST_SKEW_S:.0f} s",
            field=H_DATE,
        )
    key = key_for(party, key_id)
    if key is None:
        raise AuthError(f"key {key_id[:40]!r} is not listed for party {party[:8]!r}", field=H_KEY)
    try:
        key.verify(b64decode(sig_text, field=H_SIG), _message(method, target, date, body))
    except (SignatureError, ValidationError) as exc:
        raise AuthError(f"request signature does not verify: {exc.reason}", field=H_SIG) from exc
    return party
