"""Brute force on operator API tokens: refused, counted, then locked out per address and logged."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import httpx
import pytest

from detente.api.token_guard import ALARM_KIND, GuardPolicy
from tests.security.site import Site, refused, start_site


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A node of its own: its lockout shuts this test's address out for the node's lifetime."""
    node = start_site(tmp_path_factory.mktemp("brute"))
    try:
        yield node
    finally:
        node.stop()


def guess(site: Site) -> httpx.Response:
    return httpx.get(
        site.us.url + "/api/v1/inbox",
        headers={"authorization": f"Bearer {secrets.token_urlsafe(32)}"},
        timeout=30,
    )


def test_brute_force_tokens_refused_then_locked_out_and_logged(guarded: Site) -> None:
    limit = GuardPolicy().max_failures
    assert guarded.api("local-admin", "GET", "/api/v1/inbox").status_code == 200
    before = guarded.counts()
    for _ in range(limit - 1):
        data = refused(guess(guarded), 401, "unauthorized")
        assert data["reason"] == "unknown token"
    # Counted in the database every worker shares: one row for this address.
    assert guarded.changed(before) == {"token_lockouts": 1}
    refused(guess(guarded), 401, "unauthorized")  # the last one allowed starts the lockout
    # Locked: even a valid token from this address is refused now, with a reason and a delay.
    locked = guarded.api("local-admin", "GET", "/api/v1/inbox")
    data = refused(locked, 429, "locked_out")
    assert data["field"] == "authorization"
    assert int(locked.headers["retry-after"]) > 0
    refused(guess(guarded), 429, "locked_out")
    # One audit record and one alarm for the lockout; nothing else in the database moved.
    assert guarded.changed(before) == {"audit_log": 1, "alarms": 1, "token_lockouts": 1}
    # The peer API authenticates by signature and stays open to the peer.
    item = guarded.next_entry()
    assert guarded.push([item]).status_code == 200


def lock_out(site: Site) -> None:
    """Guess until this address is shut out (at once if an earlier test here did it)."""
    for _ in range(GuardPolicy().max_failures):
        if guess(site).status_code == 429:
            return
    refused(site.api("local-admin", "GET", "/api/v1/inbox"), 429, "locked_out")


def test_brute_force_lockout_is_visible_to_the_auditor(guarded: Site) -> None:
    from detente.store import alarms, audit
    from detente.store.database import Database

    lock_out(guarded)
    db = Database(guarded.us.settings.db_url)
    try:
        with db.reading() as conn:
            (record,) = audit.list_records(conn, action="token_lockout")
            (alarm,) = [a for a in alarms.list_open(conn) if a.kind == ALARM_KIND]
    finally:
        db.close()
    assert (record.outcome, record.source, record.target) == ("locked", "127.0.0.1", "127.0.0.1")
    assert "10 refused operator API tokens from 127.0.0.1" in alarm.text


def test_brute_force_lockout_survives_a_restart(guarded: Site) -> None:
    lock_out(guarded)
    guarded.us.stop()
    guarded.us.start()
    refused(guarded.api("local-admin", "GET", "/api/v1/inbox"), 429, "locked_out")
