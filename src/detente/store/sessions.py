"""Server-side dashboard sessions: the cookie holds a random id, the table its SHA-256.

A session carries the operator (None before login) and the synchronizer
CSRF token of its forms. This module must never store the cookie value
itself, so a leaked database cannot be replayed as a login.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select, update

from detente.store.schema import sessions

SESSION_ID_BYTES = 32  # 256 bits


@dataclass(frozen=True, slots=True)
class SessionRow:
    operator: str | None
    csrf_token: str
    created_t: float
    seen_t: float
    expires_t: float


def hash_session_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def create_session(
    conn: Connection, *, operator: str | None, now: float, ttl_s: float
) -> tuple[str, SessionRow]:
    """A fresh random id (returned once, for the cookie) and its row."""
    session_id = secrets.token_urlsafe(SESSION_ID_BYTES)
    row = SessionRow(operator, secrets.token_urlsafe(32), now, now, now + ttl_s)
    conn.execute(
        insert(sessions).values(
            session_hash=hash_session_id(session_id),
            operator=row.operator,
            csrf_token=row.csrf_token,
            created_t=row.created_t,
            seen_t=row.seen_t,
            expires_t=row.expires_t,
        )
    )
    return session_id, row


def get_session(conn: Connection, session_id: str, *, now: float) -> SessionRow | None:
    """The live session for a cookie value; None if unknown or expired."""
    found = conn.execute(
        select(sessions).where(sessions.c.session_hash == hash_session_id(session_id))
    ).first()
    if found is None:
        return None
    m = found._mapping
    if float(m["expires_t"]) <= now:
        return None
    return SessionRow(
        m["operator"],
        m["csrf_token"],
        float(m["created_t"]),
        float(m["seen_t"]),
        float(m["expires_t"]),
    )


def touch_session(conn: Connection, session_id: str, *, now: float, ttl_s: float) -> None:
    conn.execute(
        update(sessions)
        .where(sessions.c.session_hash == hash_session_id(session_id))
        .values(seen_t=now, expires_t=now + ttl_s)
    )


def delete_session(conn: Connection, session_id: str) -> None:
    conn.execute(delete(sessions).where(sessions.c.session_hash == hash_session_id(session_id)))


def delete_operator_sessions(conn: Connection, operator: str) -> None:
    """Log an operator out everywhere (password change, account disabled)."""
    conn.execute(delete(sessions).where(sessions.c.operator == operator))


def delete_expired(conn: Connection, *, now: float) -> int:
    return int(conn.execute(delete(sessions).where(sessions.c.expires_t <= now)).rowcount)
