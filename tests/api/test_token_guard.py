"""The token guard's counting rule, with the clock in the test's hands, on both databases.

Two ``TokenGuard`` objects on one database stand for two workers of an
operations centre (or one worker before and after a restart).
"""

from __future__ import annotations

from detente.api.token_guard import GuardPolicy, TokenGuard
from detente.store.database import Database

POLICY = GuardPolicy(max_failures=3, window_s=60.0, lockout_s=600.0, max_tracked=2)


def test_token_guard_locks_after_max_failures_in_window(db: Database) -> None:
    guard = TokenGuard(db, POLICY)
    assert not guard.failed("10.0.0.1", 0.0)
    assert not guard.failed("10.0.0.1", 1.0)
    assert guard.locked_until("10.0.0.1", 1.0) is None
    assert guard.failed("10.0.0.1", 2.0)  # the third starts the lockout
    assert guard.locked_until("10.0.0.1", 2.0) == 602.0
    assert guard.locked_until("10.0.0.2", 2.0) is None  # per address
    assert guard.locked_until("10.0.0.1", 602.0) is None  # and it ends


def test_token_guard_forgets_failures_outside_the_window(db: Database) -> None:
    guard = TokenGuard(db, POLICY)
    guard.failed("a", 0.0)
    guard.failed("a", 1.0)
    assert guard.failures("a", 61.5) == 0
    assert not guard.failed("a", 100.0)
    assert guard.locked_until("a", 100.0) is None


def test_token_guard_success_clears_failures_but_not_a_lockout(db: Database) -> None:
    guard = TokenGuard(db, POLICY)
    guard.failed("a", 0.0)
    guard.failed("a", 1.0)
    guard.succeeded("a")
    assert guard.failures("a", 2.0) == 0
    for t in (3.0, 4.0, 5.0):
        guard.failed("a", t)
    guard.succeeded("a")
    assert guard.locked_until("a", 6.0) == 605.0


def test_token_guard_memory_is_bounded(db: Database) -> None:
    guard = TokenGuard(db, POLICY)
    for n in range(100):
        guard.failed(f"10.0.0.{n}", float(n))
    assert guard.failures("10.0.0.99", 100.0) == 1
    assert guard.failures("10.0.0.0", 100.0) == 0  # forgotten, oldest first


def test_token_guard_bound_never_frees_a_running_lockout(db: Database) -> None:
    guard = TokenGuard(db, POLICY)
    for t in (0.0, 1.0, 2.0):
        guard.failed("attacker", t)
    for n in range(20):  # a flood from other addresses
        guard.failed(f"10.1.0.{n}", 3.0 + n)
    assert guard.locked_until("attacker", 30.0) == 602.0


def test_token_guard_workers_share_the_count_and_the_lockout(db: Database) -> None:
    first, second = TokenGuard(db, POLICY), TokenGuard(db, POLICY)
    assert not first.failed("a", 0.0)
    assert not second.failed("a", 0.5)
    assert first.failed("a", 1.0)  # the third across both workers
    # The other worker sees it once its last reading is older than recheck_s.
    assert second.locked_until("a", 1.6) == 601.0
    restarted = TokenGuard(db, POLICY)
    assert restarted.locked_until("a", 2.0) == 601.0
