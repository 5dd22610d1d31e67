"""Send-to-receipt latency of single FLASH entries between two real nodes on loopback.

Two ``detente node run`` processes (SQLite, synchronous=FULL). The bench
client sends one FLASH statement at a time to US through the operator API and
waits for CN's receipt before the next. Latency is read from US's database
afterwards: when US stored CN's receipt entry (its ``received_t``) minus when
US created the statement (its ``t``). That path holds one operator request,
two durable commits at US, one signed push, CN's verify and durable commit
(with its receipt), and US storing the receipt.
Baselines, measured in the same run: the round trip of an unsigned no-op
request (``GET /healthz``) from the bench process to a node, the floor of any
HTTP exchange here; and one durable SQLite commit (WAL, synchronous=FULL) on
the same disk. The measured path holds two such commits (the sender's append,
the receiver's store with its receipt), so twice the commit time is its floor.
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

from detente.store.database import Database
from detente.store.schema import entries, receipts
from detente.testing import NodeProcess, connect, make_node, wait_until

N_ENTRIES = 300
N_PINGS = 300


def percentile_ms(values_s: list[float], q: float) -> float:
    ordered = sorted(values_s)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return round(ordered[index] * 1000, 2)


def commit_times_s(path: Path, n: int = 200) -> list[float]:
    """Durable one-row commits, as a node makes them, on the disk the nodes use."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE t (x INTEGER)")
        out = []
        for i in range(n):
            started = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO t VALUES (?)", (i,))
            conn.execute("COMMIT")
            out.append(time.perf_counter() - started)
    finally:
        conn.close()
    return out


def receipted_seq(db: Database, channel_id: str, by_party: str) -> int:
    with db.reading() as conn:
        found = conn.execute(
            select(func.max(receipts.c.up_to_seq)).where(
                receipts.c.channel_id == channel_id, receipts.c.by_party == by_party
            )
        ).scalar()
    return int(found or 0)


def latencies_s(db: Database, channel_id: str, seqs: list[int]) -> list[float]:
    """Per statement: first receipt's arrival at the sender minus the statement's creation."""
    with db.reading() as conn:
        created = dict(
            conn.execute(
                select(entries.c.seq, entries.c.t).where(
                    entries.c.channel_id == channel_id,
                    entries.c.party == "US",
                    entries.c.seq.in_(seqs),
                )
            ).all()
        )
        arrivals = conn.execute(
            select(receipts.c.up_to_seq, entries.c.received_t)
            .join(entries, entries.c.id == receipts.c.receipt_id)
            .where(receipts.c.channel_id == channel_id, receipts.c.by_party == "CN")
            .order_by(receipts.c.up_to_seq)
        ).all()
    out = []
    for seq in seqs:
        arrived = min(float(t) for up_to, t in arrivals if up_to >= seq)
        out.append(arrived - float(created[seq]))
    return out


def run() -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="detente-bench-") as tmp:
        base = Path(tmp)
        us = make_node(base / "us", "US", "bench US")
        cn = make_node(base / "cn", "CN", "bench CN")
        channel_id = connect(us, cn)
        a, b = NodeProcess(us), NodeProcess(cn)
        a.start(wait=False)
        b.start(wait=False)
        db = Database(us.db_url)
        try:
            a.wait_ready(timeout_s=120.0)
            b.wait_ready(timeout_s=120.0)
            pings_s = []
            with httpx.Client(timeout=10.0) as http:
                http.get(b.url + "/healthz")
                for _ in range(N_PINGS):
                    started = time.perf_counter()
                    http.get(b.url + "/healthz").raise_for_status()
                    pings_s.append(time.perf_counter() - started)
            seqs: list[int] = []
            for n in range(10 + N_ENTRIES):
                body = {"text": f"FLASH latency probe {n}", "lang": "en"}
                sent = a.api(
                    "POST",
                    "/api/v1/messages",
                    json={"to": "CN", "body": body, "precedence": "FLASH"},
                )
                seq = int(sent["seq"])

                def receipted(seq: int = seq) -> bool:
                    return receipted_seq(db, channel_id, "CN") >= seq

                wait_until(receipted, timeout_s=30, interval_s=0.001, what=f"receipt of {seq}")
                if n >= 10:  # the first ten warm up connections and caches
                    seqs.append(seq)
            measured = latencies_s(db, channel_id, seqs)
            commits_s = commit_times_s(base / "commit.sqlite")
        finally:
            db.close()
            a.stop()
            b.stop()
    return {
        "entries": len(measured),
        "p50_ms": percentile_ms(measured, 0.50),
        "p99_ms": percentile_ms(measured, 0.99),
        "max_ms": percentile_ms(measured, 1.0),
        "baseline_healthz_p50_ms": percentile_ms(pings_s, 0.50),
        "baseline_healthz_p99_ms": percentile_ms(pings_s, 0.99),
        "baseline_commit_p50_ms": percentile_ms(commits_s, 0.50),
        "baseline_commit_p99_ms": percentile_ms(commits_s, 0.99),
    }
