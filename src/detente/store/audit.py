"""The audit log: every operator action, who, as what role, from where, and how it ended.

Append-only by construction: this module offers ``record`` and reads,
nothing else, and the migration installs triggers that make the database
refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE) on ``audit_log``. An
auditor reads it through ``GET /api/v1/audit`` or ``detente audit``.

The triggers do not stop the machine's owner, so each record is also
hash-chained onto the one before (``audit_chain``): ``record`` reads the
latest record's chain value and writes the next. Two writers must never
chain onto the same predecessor, so appends are serialised: SQLite's
``BEGIN IMMEDIATE`` already admits one writer at a time; on PostgreSQL
``record`` takes a transaction-level advisory lock on a fixed key before
reading, held until the caller's transaction ends. Write the audit record
last in a transaction, so that lock is held as briefly as possible.

This module must never update or delete an audit record, and never store a
secret (a token, a password, a session id) in one.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, func, insert, select, text

from detente.errors import ValidationError
from detente.store.audit_chain import next_chain
from detente.store.schema import audit_log


class AuditAction(StrEnum):
    """Every action the log knows; a new one is added here, never spelled ad hoc."""

    LOGIN = "login"
    LOGOUT = "logout"
    SEND = "send"
    HOLD = "hold"
    RELEASE = "release"
    REJECT = "reject"
    ACKNOWLEDGE = "acknowledge"
    SUSPEND = "suspend"
    RESUME = "resume"
    ENDORSE = "endorse"
    EVIDENCE = "evidence"
    EXPORT = "export"
    CONFIG_CHANGE = "config_change"
    TOKEN_ISSUE = "token_issue"  # noqa: S105 -- an action name, not a secret
    TOKEN_LOCKOUT = "token_lockout"  # noqa: S105 -- an action name, not a secret


class Outcome(StrEnum):
    OK = "ok"
    HELD = "held"
    REFUSED = "refused"
    LOCKED = "locked"


MAX_DETAIL_CHARS = 2000

CHAIN_LOCK_KEY = int.from_bytes(
    hashlib.blake2b(b"detente.audit_chain", digest_size=8).digest(), "big", signed=True
)
"""The PostgreSQL advisory-lock key that serialises appends to the chain (one per database)."""


@dataclass(frozen=True, slots=True)
class AuditRecord:
    audit_id: int
    t: float
    operator: str
    role: str
    action: str
    target: str
    outcome: str
    source: str
    detail: str | None
    chain: str | None = None
    """None for records written before the chain began (migration 0005)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def record(
    conn: Connection,
    *,
    operator: str,
    role: str,
    action: str,
    target: str,
    outcome: str,
    source: str,
    detail: str | None = None,
    t: float | None = None,
) -> int:
    """Append one record in the caller's transaction; returns its id.

    Values are clipped to their columns rather than refused: an action must
    never fail, or go unrecorded, because its description was long.
    """
    try:
        action = AuditAction(action).value
    except ValueError:
        raise ValidationError(f"unknown audit action {action!r}", field="action") from None
    try:
        outcome = Outcome(outcome).value
    except ValueError:
        raise ValidationError(f"unknown audit outcome {outcome!r}", field="outcome") from None
    fields: dict[str, str | float | None] = {
        "t": time.time() if t is None else float(t),
        "operator": _clip(operator, 100),
        "role": _clip(role, 32),
        "action": action,
        "target": _clip(target, 200),
        "outcome": outcome,
        "source": _clip(source, 64),
        "detail": None if detail is None else _clip(detail, MAX_DETAIL_CHARS),
    }
    _serialise_appends(conn)
    chain = next_chain(latest_chain(conn), fields)
    result = conn.execute(insert(audit_log).values(**fields, chain=chain))
    (audit_id,) = result.inserted_primary_key or (0,)
    return int(audit_id)


def _serialise_appends(conn: Connection) -> None:
    """On PostgreSQL, wait for any other transaction appending to the chain to end."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})


def latest_chain(conn: Connection) -> str | None:
    """The newest record's chain value; None when there is none or it predates the chain."""
    return conn.execute(
        select(audit_log.c.chain).order_by(audit_log.c.audit_id.desc()).limit(1)
    ).scalar()


PAGE = 32


def appended_since(conn: Connection, head: str | None, *, ignoring: str) -> bool:
    """Whether a chained record by anyone but ``ignoring`` follows the one whose chain is ``head``.

    ``head`` None asks about the whole chain. Reads newest first and stops at
    the first such record or at ``head``: what lies between is only
    ``ignoring``'s own records, a handful, so this stays cheap on any log.
    A ``head`` that no record carries (a rewritten log) reads as activity.
    """
    before: int | None = None
    while True:
        query = (
            select(audit_log.c.audit_id, audit_log.c.operator, audit_log.c.chain)
            .where(audit_log.c.chain.is_not(None))
            .order_by(audit_log.c.audit_id.desc())
            .limit(PAGE)
        )
        if before is not None:
            query = query.where(audit_log.c.audit_id < before)
        rows = conn.execute(query).all()
        if not rows:
            return False
        for row in rows:
            if row.chain == head:
                return False
            if row.operator != ignoring:
                return True
        before = rows[-1].audit_id


def records_from(conn: Connection, after_id: int | None, limit: int) -> list[AuditRecord]:
    """Oldest first, after ``after_id`` (None: from the first): the order the chain is walked in."""
    query = select(audit_log).order_by(audit_log.c.audit_id).limit(limit)
    if after_id is not None:
        query = query.where(audit_log.c.audit_id > after_id)
    return [AuditRecord(**row._asdict()) for row in conn.execute(query)]


def list_records(
    conn: Connection,
    *,
    limit: int = 100,
    before_id: int | None = None,
    operator: str | None = None,
    action: str | None = None,
) -> list[AuditRecord]:
    """Newest first; page backwards with ``before_id``."""
    query = select(audit_log).order_by(audit_log.c.audit_id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(audit_log.c.audit_id < before_id)
    if operator is not None:
        query = query.where(audit_log.c.operator == operator)
    if action is not None:
        query = query.where(audit_log.c.action == action)
    return [AuditRecord(**row._asdict()) for row in conn.execute(query)]


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(audit_log)).scalar_one())
