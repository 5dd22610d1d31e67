"""The audit log: every operator action, who, as what role, from where, and how it ended.

Append-only by construction: this module offers ``record`` and reads,
nothing else, and the migration installs triggers that make the database
refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE) on ``audit_log``. An
auditor reads it through ``GET /api/v1/audit`` or ``detente audit``.

This module must never update or delete an audit record, and never store a
secret (a token, a password, a session id) in one.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, func, insert, select

from detente.errors import ValidationError
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
    result = conn.execute(
        insert(audit_log).values(
            t=time.time() if t is None else t,
            operator=_clip(operator, 100),
            role=_clip(role, 32),
            action=action,
            target=_clip(target, 200),
            outcome=outcome,
            source=_clip(source, 64),
            detail=None if detail is None else _clip(detail, MAX_DETAIL_CHARS),
        )
    )
    (audit_id,) = result.inserted_primary_key or (0,)
    return int(audit_id)


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
