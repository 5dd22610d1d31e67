"""Alembic environment: the engine is handed in by ``detente.store.migrate``."""

from __future__ import annotations

from alembic import context

from detente.store.schema import metadata

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies tables
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
