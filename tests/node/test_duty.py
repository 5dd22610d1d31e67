"""Operations-centre mode: one duty holder among workers, and a quick hand-over on death."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from detente.link.settings import LinkSettings
from detente.node.channel_settings import ChannelSettings
from detente.node.duty import DutyHolder, lock_key, psycopg_url
from detente.testing import (
    NodeProcess,
    connect,
    free_port,
    make_node,
    postgres_unavailable_reason,
    temporary_postgres_database,
    wait_until,
)
from detente.testing_proxy import TestingProxy


@pytest.fixture
def pg_url() -> Iterator[str]:
    reason = postgres_unavailable_reason()
    if reason:
        pytest.skip(f"SKIPPING POSTGRES TEST LOUDLY: {reason}")
    with temporary_postgres_database() as url:
        yield url


async def wait_for(predicate: object, timeout_s: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not predicate():  # type: ignore[operator]
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"timed out after {timeout_s} s waiting for {what}")
        await asyncio.sleep(0.05)


def test_lock_key_is_stable_and_per_party() -> None:
    assert lock_key("US") == lock_key("US")
    assert lock_key("US") != lock_key("CN")
    assert -(2**63) <= lock_key("US") < 2**63


def test_psycopg_url_only_for_postgresql() -> None:
    assert psycopg_url("postgresql+psycopg://u@h/db") == "postgresql://u@h/db"
    assert psycopg_url("sqlite:///x.sqlite") is None


def test_duty_holder_on_sqlite_holds_at_once_unless_disabled(tmp_path: Path) -> None:
    async def scenario() -> tuple[bool, bool, list[str]]:
        calls: list[str] = []
        url = f"sqlite:///{tmp_path / 'n.sqlite'}"
        holder = DutyHolder(url, party="US")
        holder.on_acquired.append(lambda: _note(calls, "acquired"))
        holder.on_lost.append(lambda: _note(calls, "lost"))
        disabled = DutyHolder(url, party="US", enabled=False)
        await holder.start()
        await disabled.start()
        held = (holder.held, disabled.held)
        await holder.stop()
        await disabled.stop()
        return held[0], held[1], calls

    held, disabled_held, calls = asyncio.run(scenario())
    assert held and not disabled_held
    assert calls == ["acquired", "lost"]


async def _note(calls: list[str], what: str) -> None:
    calls.append(what)


@pytest.mark.postgres
def test_duty_holder_one_of_two_holds_and_the_other_takes_over(pg_url: str) -> None:
    async def scenario() -> None:
        a = DutyHolder(pg_url, party="US", retry_s=0.2)
        b = DutyHolder(pg_url, party="US", retry_s=0.2)
        other_party = DutyHolder(pg_url, party="CN", retry_s=0.2)
        for holder in (a, b, other_party):
            await holder.start()
        await wait_for(lambda: a.held or b.held, 10, "a holder")
        await wait_for(lambda: other_party.held, 10, "CN's own holder")
        await asyncio.sleep(0.6)  # several retries by the loser
        assert a.held != b.held
        first, second = (a, b) if a.held else (b, a)
        await first.stop()
        await wait_for(lambda: second.held, 10, "the hand-over")
        assert not first.held
        for holder in (second, other_party):
            await holder.stop()

    asyncio.run(scenario())


@pytest.mark.postgres
def test_duty_holder_announce_wakes_the_holder(pg_url: str) -> None:
    async def scenario() -> list[str]:
        woken: list[str] = []
        holder = DutyHolder(pg_url, party="US", retry_s=0.2)
        worker = DutyHolder(pg_url, party="US", retry_s=0.2, enabled=False)
        holder.on_wake.append(woken.append)
        await holder.start()
        await worker.start()
        await wait_for(lambda: holder.held, 10, "the holder")
        await asyncio.to_thread(worker.announce, "c0ffee")
        await wait_for(lambda: woken, 10, "the wake-up")
        holder.announce("not-sent")  # the holder wakes its own courier directly
        await asyncio.sleep(0.5)
        await worker.stop()
        await holder.stop()
        return woken

    assert asyncio.run(scenario()) == ["c0ffee"]


def duty_holder_pid(db_url: str, party: str) -> int | None:
    """The OS pid of the worker whose duty connection holds the advisory lock."""
    with psycopg.connect(psycopg_url(db_url) or db_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a "
            "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
            "AND a.datname = current_database() AND a.application_name LIKE %s",
            [f"detente-duties {party} pid=%"],
        ).fetchall()
    if len(rows) > 1:
        raise AssertionError(f"{len(rows)} workers hold the duties: {rows}")
    return int(str(rows[0][0]).rpartition("=")[2]) if rows else None


def pid_of(node: NodeProcess) -> int:
    assert node.process is not None
    return node.process.pid


@pytest.mark.postgres
def test_two_workers_hand_over_duties_when_the_holder_is_killed(
    tmp_path: Path, pg_url: str
) -> None:
    port_1, port_2 = free_port(), free_port()
    # The peer reaches US through one address that fails over between the workers,
    # as a load balancer in front of an operations centre would.
    front = TestingProxy([f"http://127.0.0.1:{port_1}", f"http://127.0.0.1:{port_2}"]).start()
    us = make_node(
        tmp_path / "us", "US", "US ops", port=port_1, db_url=pg_url, public_url=front.url
    )
    cn = make_node(tmp_path / "cn", "CN", "CN ops")
    connect(us, cn, ChannelSettings(link=LinkSettings(pull_interval_s=30.0)))
    worker_1 = NodeProcess(us)
    worker_2 = NodeProcess(
        us.model_copy(update={"port": port_2}), extra_args=("--port", str(port_2))
    )
    peer = NodeProcess(cn)
    try:
        worker_1.start(wait=False).wait_ready(timeout_s=120.0)
        wait_until(
            lambda: duty_holder_pid(pg_url, "US") == pid_of(worker_1), what="worker 1 on duty"
        )
        worker_2.start(wait=False)
        peer.start(wait=False)
        worker_2.wait_ready(timeout_s=120.0)
        peer.wait_ready(timeout_s=120.0)

        def arrived(text: str) -> bool:
            inbox = peer.api("GET", "/api/v1/inbox")["entries"]
            return any(e["body"].get("text") == text for e in inbox)

        # Sent through the worker without duties: the holder's pusher is woken by NOTIFY
        # (the channel's 30 s pull interval would be far slower than the wait below).
        message = {"to": "CN", "body": {"text": "via worker 2", "lang": "en"}}
        worker_2.api("POST", "/api/v1/messages", json=message)
        wait_until(lambda: arrived("via worker 2"), timeout_s=15, what="delivery via worker 1")
        assert duty_holder_pid(pg_url, "US") == pid_of(worker_1)

        worker_1.kill()
        wait_until(
            lambda: duty_holder_pid(pg_url, "US") == pid_of(worker_2),
            timeout_s=15,
            what="worker 2 taking over the duties",
        )
        message = {"to": "CN", "body": {"text": "after the hand-over", "lang": "en"}}
        sent = worker_2.api("POST", "/api/v1/messages", json=message)
        wait_until(lambda: arrived("after the hand-over"), timeout_s=15, what="delivery")
        reply = peer.api(
            "POST", "/api/v1/messages", json={"to": "US", "body": {"text": "收到", "lang": "zh"}}
        )

        def settled() -> bool:
            us_state = worker_2.api("GET", "/api/v1/delivery")["channels"][0]
            cn_state = peer.api("GET", "/api/v1/delivery")["channels"][0]
            return bool(
                us_state["receipted_seq"] >= sent["seq"]
                and cn_state["receipted_seq"] >= reply["seq"]
            )

        wait_until(settled, timeout_s=30, what="receipts both ways after the hand-over")
        worker_1.start(wait=False).wait_ready(timeout_s=120.0)  # back; the duties stay put
        assert duty_holder_pid(pg_url, "US") == pid_of(worker_2)
        for node in (worker_1, worker_2, peer):
            assert node.api("GET", "/api/v1/log/verify")["ok"]
    finally:
        for node in (worker_1, worker_2, peer):
            node.stop()
        front.stop()
