"""Operator accounts: roles, argon2 password hashes, login with lockout, sessions.

The dashboard and the ``detente operator`` commands both come here, so the
rules (who may do what, how many wrong passwords lock an account, how long
a session lives) are stated once. This module must never log or return a
password or a session id other than the one it just created for the cookie.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection

from detente.errors import AuthError, ForbiddenError, ValidationError
from detente.store import audit, sessions
from detente.store import operators as store
from detente.store.audit import AuditAction, Outcome
from detente.store.database import Database
from detente.store.operators import OperatorRow
from detente.store.sessions import SessionRow

log = logging.getLogger(__name__)

NAME_RE: Final = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")
MIN_PASSWORD_CHARS: Final = 10
MAX_PASSWORD_CHARS: Final = 1024
LANGS: Final = ("en", "zh")
THEMES: Final = ("light", "dark")


class Role(StrEnum):
    OPERATOR = "operator"
    DUTY_OFFICER = "duty_officer"
    RELEASE_AUTHORITY = "release_authority"
    ADMINISTRATOR = "administrator"
    AUDITOR = "auditor"


class Action(StrEnum):
    READ = "read"
    SEND = "send"
    ACKNOWLEDGE = "acknowledge"
    ENDORSE = "endorse"
    RELEASE = "release"
    READ_AUDIT = "read_audit"
    MANAGE_OPERATORS = "manage_operators"


_WATCH: Final = frozenset(
    {Action.READ, Action.SEND, Action.ACKNOWLEDGE, Action.ENDORSE, Action.RELEASE}
)

PERMISSIONS: Final[dict[Role, frozenset[Action]]] = {
    Role.AUDITOR: frozenset({Action.READ, Action.READ_AUDIT}),
    Role.OPERATOR: frozenset({Action.READ, Action.SEND, Action.ACKNOWLEDGE}),
    Role.DUTY_OFFICER: _WATCH,
    Role.RELEASE_AUTHORITY: _WATCH,
    Role.ADMINISTRATOR: frozenset(Action),
}
"""An auditor reads (the audit log too) and never sends; an operator sends and
acknowledges, as the JSON API lets it; only a duty officer and above endorse or
release. Which drafts a role may sign or release is the authority rules' business
(``detente.node.authority``), checked again when signing: this table only keeps a
role away from pages and forms that could never succeed for it."""


@dataclass(frozen=True, slots=True)
class AccountPolicy:
    """How strict logins are; the defaults suit an operations centre."""

    max_failures: int = 5
    lockout_s: float = 15 * 60
    session_ttl_s: float = 8 * 3600
    login_form_ttl_s: float = 30 * 60


def allowed(role: str, action: Action) -> bool:
    try:
        return action in PERMISSIONS[Role(role)]
    except ValueError:
        return False


def require(role: str, action: Action) -> None:
    if not allowed(role, action):
        raise ForbiddenError(f"role {role} may not {action.value}", field="role")


def check_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise ValidationError(
            f"unknown role {role!r}; use one of {', '.join(r.value for r in Role)}", field="role"
        ) from None


def check_name(name: str) -> str:
    if not NAME_RE.match(name):
        raise ValidationError(
            "2-64 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter",
            field="name",
        )
    return name


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValidationError(f"use one of {', '.join(LANGS)}", field="lang")
    return lang


def check_theme(theme: str) -> str:
    if theme not in THEMES:
        raise ValidationError(f"use one of {', '.join(THEMES)}", field="theme")
    return theme


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValidationError(f"at least {MIN_PASSWORD_CHARS} characters", field="password")
    if len(password) > MAX_PASSWORD_CHARS:
        raise ValidationError(f"at most {MAX_PASSWORD_CHARS} characters", field="password")
    return password


def hasher() -> PasswordHasher:
    return PasswordHasher()


def hash_password(password: str) -> str:
    return hasher().hash(check_password(password))


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    """A hash to check against when the name is unknown, so timing does not reveal names."""
    return hasher().hash("not-a-real-password")


def add_operator(
    db: Database,
    name: str,
    role: str,
    password: str,
    lang: str = "en",
    *,
    by: tuple[str, str, str] = ("(console)", "administrator", "local"),
) -> None:
    """Create an account; refuses a name already taken. ``by`` is (operator, role, source)
    of whoever does it, for the audit log (the console user for the CLI)."""
    check_name(name)
    check_role(role)
    check_lang(lang)
    password_hash = hash_password(password)
    with db.writing() as conn:
        if store.get_operator(conn, name) is not None:
            raise ValidationError(f"operator {name} already exists", field="name")
        store.insert_operator(
            conn,
            name=name,
            role=role,
            password_hash=password_hash,
            lang=lang,
            created_t=time.time(),
        )
        _audit_change(conn, by, name, f"operator {name} added with role {role}")
    log.info("operator %s added with role %s", name, role)


def set_password(
    db: Database,
    name: str,
    password: str,
    *,
    by: tuple[str, str, str] = ("(console)", "administrator", "local"),
) -> None:
    """New password; every session of the operator ends."""
    password_hash = hash_password(password)
    with db.writing() as conn:
        if not store.set_password_hash(conn, name, password_hash):
            raise ValidationError(f"no operator {name}", field="name")
        sessions.delete_operator_sessions(conn, name)
        _audit_change(conn, by, name, f"password of {name} changed; sessions ended")
    log.info("password of operator %s changed", name)


def _audit_change(conn: Connection, by: tuple[str, str, str], target: str, detail: str) -> None:
    operator, role, source = by
    audit.record(
        conn,
        operator=operator,
        role=role,
        action=AuditAction.CONFIG_CHANGE,
        target=f"operator:{target}",
        outcome=Outcome.OK,
        source=source,
        detail=detail,
    )


def list_operators(db: Database) -> list[OperatorRow]:
    with db.reading() as conn:
        return store.list_operators(conn)


def get_operator(db: Database, name: str) -> OperatorRow | None:
    with db.reading() as conn:
        return store.get_operator(conn, name)


def set_preferences(
    db: Database, name: str, *, lang: str | None = None, theme: str | None = None
) -> None:
    if lang is not None:
        check_lang(lang)
    if theme is not None:
        check_theme(theme)
    with db.writing() as conn:
        store.set_preferences(conn, name, lang=lang, theme=theme)


def _audit_login(
    db: Database, operator: str, role: str, outcome: Outcome, source: str, detail: str
) -> None:
    with db.writing() as conn:
        audit.record(
            conn,
            operator=operator,
            role=role,
            action=AuditAction.LOGIN,
            target="dashboard",
            outcome=outcome,
            source=source,
            detail=detail,
        )


def authenticate(
    db: Database,
    name: str,
    password: str,
    *,
    policy: AccountPolicy,
    now: float,
    source: str = "unknown",
) -> OperatorRow:
    """The operator for a right name and password; AuthError otherwise.

    Failures are counted per account; after ``policy.max_failures`` the account
    is locked for ``policy.lockout_s`` and even the right password is refused.
    """
    with db.reading() as conn:
        row = store.get_operator(conn, name) if len(name) <= 64 else None
    if row is None or row.disabled:
        password_matches(_dummy_hash(), password)
        log.warning("failed login for unknown or disabled operator")
        # The name typed is not recorded: people type passwords into name fields.
        _audit_login(db, "(unknown)", "-", Outcome.REFUSED, source, "unknown or disabled name")
        raise AuthError("wrong user name or password", field="password")
    if row.locked_until_t is not None and row.locked_until_t > now:
        log.warning("login refused: operator %s is locked out", name)
        _audit_login(db, name, row.role, Outcome.LOCKED, source, "account locked")
        raise AuthError("account locked after too many failed logins", field="name")
    if not password_matches(row.password_hash, password):
        with db.writing() as conn:
            fresh = store.get_operator(conn, name)
            count = (fresh.failed_logins if fresh else 0) + 1
            lock = now + policy.lockout_s if count >= policy.max_failures else None
            store.record_failure(conn, name, locked_until_t=lock)
        if lock is not None:
            log.warning("operator %s locked out after %d failed logins", name, count)
            _audit_login(db, name, row.role, Outcome.LOCKED, source, f"{count} failed logins")
        else:
            log.warning("failed login for operator %s (%d)", name, count)
            _audit_login(db, name, row.role, Outcome.REFUSED, source, "wrong password")
        raise AuthError("wrong user name or password", field="password")
    if row.failed_logins or row.locked_until_t is not None:
        with db.writing() as conn:
            store.clear_failures(conn, name)
    log.info("operator %s logged in", name)
    _audit_login(db, name, row.role, Outcome.OK, source, "logged in")
    return row


def login(
    db: Database,
    name: str,
    password: str,
    *,
    old_session_id: str | None,
    policy: AccountPolicy,
    now: float,
    source: str = "unknown",
) -> tuple[str, OperatorRow]:
    """Authenticate and open a new session; the pre-login session id stops being valid.

    Issuing a new id at login is what defeats session fixation: whatever id an
    attacker planted before login is deleted, never promoted.
    """
    row = authenticate(db, name, password, policy=policy, now=now, source=source)
    with db.writing() as conn:
        if old_session_id:
            sessions.delete_session(conn, old_session_id)
        session_id, _ = sessions.create_session(
            conn, operator=row.name, now=now, ttl_s=policy.session_ttl_s
        )
    return session_id, row


def anonymous_session(db: Database, *, policy: AccountPolicy, now: float) -> tuple[str, SessionRow]:
    """A pre-login session, only so the login form has a CSRF token."""
    with db.writing() as conn:
        sessions.delete_expired(conn, now=now)
        return sessions.create_session(conn, operator=None, now=now, ttl_s=policy.login_form_ttl_s)


def logout(db: Database, session_id: str, *, operator: str, role: str, source: str) -> None:
    with db.writing() as conn:
        sessions.delete_session(conn, session_id)
        audit.record(
            conn,
            operator=operator,
            role=role,
            action=AuditAction.LOGOUT,
            target="dashboard",
            outcome=Outcome.OK,
            source=source,
        )
