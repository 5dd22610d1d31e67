"""Channel throughput with both nodes on the real PostgreSQL server (one database each).

The same measurement as ``channel`` (durable, receipted entries per second
over real HTTP on loopback, with the Ed25519 verify ceiling beside it); only
the store differs, so the two figures compare SQLite and PostgreSQL on this
machine. Each node gets a fresh database, dropped afterwards.
"""

from __future__ import annotations

from channel import measure  # bench/ is on sys.path: run.py is started from it
from detente.testing import postgres_unavailable_reason, temporary_postgres_database


def run() -> dict[str, object]:
    reason = postgres_unavailable_reason()
    if reason:
        return {"skipped": f"no PostgreSQL server answers: {reason}"}
    with temporary_postgres_database() as us_db, temporary_postgres_database() as cn_db:
        result: dict[str, object] = {"store": "postgresql", **measure(us_db, cn_db)}
        return result
