"""The shipped migrations build exactly the schema the code declares, on both engines."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from detente.store.engine import open_admin_engine
from detente.store.migrate import upgrade
from detente.store.schema import metadata


def test_migrate_upgrade_matches_metadata(db_url: str) -> None:
    engine = open_admin_engine(db_url)
    try:
        upgrade(engine)
        upgrade(engine)  # idempotent: a second start changes nothing
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == []
    finally:
        engine.dispose()
