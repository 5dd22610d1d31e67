"""Shared fixtures: a real database per test (SQLite file, or a fresh PostgreSQL database)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from detente.store.database import Database
from detente.testing import postgres_unavailable_reason, temporary_postgres_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The same test on SQLite and on the real PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite'}"
        return
    reason = postgres_unavailable_reason()
    if reason:
        pytest.skip(f"SKIPPING POSTGRES TEST LOUDLY: {reason}")
    with temporary_postgres_database() as url:
        yield url


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """A migrated database on each engine, closed afterwards."""
    database = Database(db_url)
    database.migrate()
    try:
        yield database
    finally:
        database.close()
