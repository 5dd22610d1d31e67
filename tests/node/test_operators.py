"""Operator accounts: argon2 hashes, roles, lockout, session rotation (real databases)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.errors import AuthError, ForbiddenError, ValidationError
from detente.node import operators as accounts
from detente.node.operators import AccountPolicy, Action
from detente.store import sessions
from detente.store.audit import list_records
from detente.store.database import Database

PASSWORD = "correct horse battery staple"
POLICY = AccountPolicy(max_failures=3, lockout_s=60.0, session_ttl_s=600.0)


@settings(max_examples=4, deadline=None)
@given(st.text(min_size=10, max_size=40), st.text(min_size=1, max_size=5))
def test_operators_hash_verifies_only_the_same_password(password: str, suffix: str) -> None:
    hashed = accounts.hash_password(password)
    assert hashed.startswith("$argon2id$")
    assert password not in hashed
    assert accounts.password_matches(hashed, password)
    assert not accounts.password_matches(hashed, password + suffix)


def test_operators_roles_gate_actions() -> None:
    assert accounts.allowed("auditor", Action.READ)
    assert not accounts.allowed("auditor", Action.SEND)
    assert not accounts.allowed("auditor", Action.ACKNOWLEDGE)
    assert accounts.allowed("operator", Action.SEND)
    assert accounts.allowed("operator", Action.ACKNOWLEDGE)  # as the API's rules allow
    assert not accounts.allowed("operator", Action.ENDORSE)
    for role in ("duty_officer", "release_authority", "administrator"):
        assert accounts.allowed(role, Action.ACKNOWLEDGE)
        assert accounts.allowed(role, Action.ENDORSE)
    assert accounts.allowed("administrator", Action.MANAGE_OPERATORS)
    assert not accounts.allowed("duty_officer", Action.MANAGE_OPERATORS)
    assert not accounts.allowed("root", Action.READ)
    with pytest.raises(ForbiddenError) as refused:
        accounts.require("auditor", Action.SEND)
    assert refused.value.field == "role"


def test_operators_add_refuses_bad_input_naming_the_field(db: Database) -> None:
    accounts.add_operator(db, "dora", "duty_officer", PASSWORD)
    cases = [
        (("dora", "operator", PASSWORD, "en"), "name"),  # taken
        (("Dora!", "operator", PASSWORD, "en"), "name"),
        (("eve", "root", PASSWORD, "en"), "role"),
        (("eve", "operator", "short", "en"), "password"),
        (("eve", "operator", PASSWORD, "fr"), "lang"),
    ]
    for args, field in cases:
        with pytest.raises(ValidationError) as refused:
            accounts.add_operator(db, *args)
        assert refused.value.field == field
    assert [o.name for o in accounts.list_operators(db)] == ["dora"]


def test_operators_lock_out_after_max_failures_then_recover(db: Database) -> None:
    accounts.add_operator(db, "lou", "duty_officer", PASSWORD)
    for i in range(POLICY.max_failures):
        with pytest.raises(AuthError):
            accounts.authenticate(db, "lou", "wrong password", policy=POLICY, now=1000.0 + i)
    with pytest.raises(AuthError) as locked:
        accounts.authenticate(db, "lou", PASSWORD, policy=POLICY, now=1010.0)
    assert "locked" in locked.value.reason
    row = accounts.authenticate(
        db, "lou", PASSWORD, policy=POLICY, now=1002.0 + POLICY.lockout_s + 1
    )
    assert row.name == "lou"
    found = accounts.get_operator(db, "lou")
    assert found is not None
    assert found.failed_logins == 0
    assert found.locked_until_t is None
    with db.reading() as conn:
        outcomes = [r.outcome for r in list_records(conn, operator="lou")]
    assert outcomes == ["ok", "locked", "locked", "refused", "refused"]


def test_operators_unknown_name_is_refused_and_not_recorded(db: Database) -> None:
    with pytest.raises(AuthError) as refused:
        accounts.authenticate(db, "my secret passphrase", "x", policy=POLICY, now=1.0)
    assert refused.value.field == "password"
    with db.reading() as conn:
        (record,) = list_records(conn)
    assert record.operator == "(unknown)"
    assert "secret" not in (record.detail or "")


def test_operators_login_replaces_the_pre_login_session(db: Database) -> None:
    accounts.add_operator(db, "alice", "operator", PASSWORD)
    planted, _ = accounts.anonymous_session(db, policy=POLICY, now=100.0)
    session_id, row = accounts.login(
        db, "alice", PASSWORD, old_session_id=planted, policy=POLICY, now=101.0
    )
    assert row.role == "operator"
    assert session_id != planted
    with db.reading() as conn:
        assert sessions.get_session(conn, planted, now=102.0) is None
        live = sessions.get_session(conn, session_id, now=102.0)
        assert live is not None
        assert live.operator == "alice"
        assert sessions.get_session(conn, session_id, now=101.0 + POLICY.session_ttl_s) is None


def test_operators_password_change_ends_sessions(db: Database) -> None:
    accounts.add_operator(db, "alice", "operator", PASSWORD)
    session_id, _ = accounts.login(
        db, "alice", PASSWORD, old_session_id=None, policy=POLICY, now=1.0
    )
    accounts.set_password(db, "alice", "another long password")
    with db.reading() as conn:
        assert sessions.get_session(conn, session_id, now=2.0) is None
    with pytest.raises(AuthError):
        accounts.authenticate(db, "alice", PASSWORD, policy=POLICY, now=3.0)
    accounts.authenticate(db, "alice", "another long password", policy=POLICY, now=4.0)
