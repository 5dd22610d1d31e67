"""Operator API tokens, stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets
import time

from sqlalchemy import Connection, insert, select

from detente.store.schema import api_tokens


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(conn: Connection, operator: str, role: str) -> str:
    """Create a token; the plain value is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    conn.execute(
        insert(api_tokens).values(
            token_hash=hash_token(token), operator=operator, role=role, created_t=time.time()
        )
    )
    return token


def lookup(conn: Connection, token: str) -> tuple[str, str] | None:
    """(operator, role) for a valid token, else None."""
    row = conn.execute(
        select(api_tokens.c.operator, api_tokens.c.role).where(
            api_tokens.c.token_hash == hash_token(token)
        )
    ).first()
    return (row.operator, row.role) if row else None
