"""Dashboard operators: who may log in, with which role, language and theme.

Only SQL lives here; hashing, roles and the lockout rule are in
``detente.node.operators``. This module must never see a plain password:
it stores and returns the argon2 hash it is handed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update

from detente.store.schema import operators


@dataclass(frozen=True, slots=True)
class OperatorRow:
    name: str
    role: str
    password_hash: str
    lang: str
    theme: str
    failed_logins: int
    locked_until_t: float | None
    created_t: float
    disabled: bool


def _row(r: object) -> OperatorRow:
    m = r._mapping  # type: ignore[attr-defined]
    return OperatorRow(
        name=m["name"],
        role=m["role"],
        password_hash=m["password_hash"],
        lang=m["lang"],
        theme=m["theme"],
        failed_logins=int(m["failed_logins"]),
        locked_until_t=None if m["locked_until_t"] is None else float(m["locked_until_t"]),
        created_t=float(m["created_t"]),
        disabled=bool(m["disabled"]),
    )


def insert_operator(
    conn: Connection, *, name: str, role: str, password_hash: str, lang: str, created_t: float
) -> None:
    conn.execute(
        insert(operators).values(
            name=name,
            role=role,
            password_hash=password_hash,
            lang=lang,
            theme="light",
            failed_logins=0,
            locked_until_t=None,
            created_t=created_t,
            disabled=False,
        )
    )


def get_operator(conn: Connection, name: str) -> OperatorRow | None:
    found = conn.execute(select(operators).where(operators.c.name == name)).first()
    return _row(found) if found else None


def list_operators(conn: Connection) -> list[OperatorRow]:
    return [_row(r) for r in conn.execute(select(operators).order_by(operators.c.name))]


def set_password_hash(conn: Connection, name: str, password_hash: str) -> bool:
    """True when the operator exists; clears any lockout (an administrator reset it)."""
    done = conn.execute(
        update(operators)
        .where(operators.c.name == name)
        .values(password_hash=password_hash, failed_logins=0, locked_until_t=None)
    )
    return done.rowcount == 1


def set_preferences(
    conn: Connection, name: str, *, lang: str | None = None, theme: str | None = None
) -> None:
    values: dict[str, str] = {}
    if lang is not None:
        values["lang"] = lang
    if theme is not None:
        values["theme"] = theme
    if values:
        conn.execute(update(operators).where(operators.c.name == name).values(**values))


def set_role(conn: Connection, name: str, role: str) -> None:
    conn.execute(update(operators).where(operators.c.name == name).values(role=role))


def record_failure(conn: Connection, name: str, *, locked_until_t: float | None) -> int:
    """Count one failed login; returns the new count."""
    row = get_operator(conn, name)
    if row is None:
        return 0
    count = row.failed_logins + 1
    values: dict[str, object] = {"failed_logins": count}
    if locked_until_t is not None:
        values["locked_until_t"] = locked_until_t
    conn.execute(update(operators).where(operators.c.name == name).values(**values))
    return count


def clear_failures(conn: Connection, name: str) -> None:
    conn.execute(
        update(operators)
        .where(operators.c.name == name)
        .values(failed_logins=0, locked_until_t=None)
    )
