"""A node's database handle: one engine, explicit read and write transactions.

Every operation that changes state runs in exactly one ``writing()``
transaction, so a rejected input leaves no row behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

from detente.store.engine import WRITE_OPTION, is_sqlite, open_engine
from detente.store.migrate import upgrade


class Database:
    """Owns the engine; hands out transactions."""

    def __init__(self, url: str, *, sqlite_synchronous: str = "FULL") -> None:
        self.url = url
        self.engine: Engine = open_engine(url, sqlite_synchronous=sqlite_synchronous)

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    def migrate(self) -> None:
        upgrade(self.engine)

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A write transaction: committed on success, rolled back on any error."""
        with (
            self.engine.connect().execution_options(**{WRITE_OPTION: True}) as conn,
            conn.begin(),
        ):
            yield conn

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read transaction with a consistent snapshot."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def close(self) -> None:
        self.engine.dispose()
