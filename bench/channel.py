"""Channel throughput: durable, receipted entries per second between two real nodes.

Two ``detente node run`` processes on loopback (SQLite, synchronous=FULL).
The bench client submits N statements to US in batches through the operator
API; the clock stops when US holds CN's signed receipt for the last one.
Baseline: this machine's single-core Ed25519 verify rate, the ceiling of a
receiver that checks every signature.
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

from detente.link.settings import LinkSettings
from detente.node.channel_settings import ChannelSettings
from detente.testing import NodeProcess, connect, make_node, wait_until
from detente.wire.keys import SigningKey

N_ENTRIES = 20_000
BATCH = 500


def verify_ceiling_per_s(n: int = 5000) -> float:
    key = SigningKey.generate()
    data = b'{"body":{"lang":"en","text":"x"},"channel":"' + b"a" * 300 + b'"}'
    sig = key.sign(data)
    verify = key.verify_key.verify
    started = time.perf_counter()
    for _ in range(n):
        verify(sig, data)
    return n / (time.perf_counter() - started)


def run() -> dict[str, object]:
    return measure(None, None)


def measure(us_db: str | None, cn_db: str | None) -> dict[str, object]:
    """The benchmark with each node on ``*_db`` (a database URL; None: SQLite in its folder)."""
    with tempfile.TemporaryDirectory(prefix="detente-bench-") as tmp:
        base = Path(tmp)
        us = make_node(base / "us", "US", "bench US", db_url=us_db)
        cn = make_node(base / "cn", "CN", "bench CN", db_url=cn_db)
        # Push batches as large as the link terms allow: fewer, bigger requests.
        connect(us, cn, ChannelSettings(link=LinkSettings(max_batch=2000)))
        a, b = NodeProcess(us).start(), NodeProcess(cn).start()
        try:
            body = {"text": "Bench statement: position report and intentions.", "lang": "en"}
            message = {"to": "CN", "body": body, "precedence": "ROUTINE"}
            a.api("POST", "/api/v1/messages/batch", json={"messages": [message] * 10})
            wait_until(lambda: _receipted(a) >= 10, timeout_s=30, what="warm-up")
            start_seq = _own_size(a)
            errors: list[BaseException] = []

            def submit() -> None:
                try:
                    for _ in range(N_ENTRIES // BATCH):
                        a.api(
                            "POST", "/api/v1/messages/batch", json={"messages": [message] * BATCH}
                        )
                except BaseException as exc:
                    errors.append(exc)

            started = time.perf_counter()
            thread = threading.Thread(target=submit)
            thread.start()
            target = start_seq + N_ENTRIES
            # Receipts are entries too; wait until CN receipted our last statement.
            wait_until(
                lambda: _receipted(a) >= target,
                timeout_s=600,
                interval_s=0.02,
                what="receipt of the last statement",
            )
            elapsed = time.perf_counter() - started
            thread.join()
            if errors:
                raise errors[0]
            verified = all(n.api("GET", "/api/v1/log/verify")["ok"] for n in (a, b))
        finally:
            a.stop()
            b.stop()
    return {
        "entries": N_ENTRIES,
        "batch": BATCH,
        "entries_per_s": round(N_ENTRIES / elapsed, 1),
        "verify_ceiling_per_s": round(verify_ceiling_per_s(), 1),
        "elapsed_s": round(elapsed, 3),
        "logs_verified": verified,
    }


def _receipted(node: NodeProcess) -> int:
    rows = node.api("GET", "/api/v1/delivery")["channels"]
    return min(int(r["receipted_seq"]) for r in rows)


def _own_size(node: NodeProcess) -> int:
    rows = node.api("GET", "/api/v1/delivery")["channels"]
    return int(rows[0]["own_size"])
