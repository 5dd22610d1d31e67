"""What the machine's owner can do to the audit log and the application cannot, for tests."""

from __future__ import annotations

from sqlalchemy import Update, text, update

from detente.store.audit import AuditRecord
from detente.store.audit_chain import next_chain
from detente.store.database import Database
from detente.store.schema import audit_log


def drop_triggers(db: Database) -> None:
    """What a database superuser on the node's machine can always do."""
    with db.writing() as conn:
        if db.is_sqlite:
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
            conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_no_update_delete ON audit_log"))


def recomputed_chain(records: list[AuditRecord], *, changed_id: int, detail: str) -> list[Update]:
    """Updates that change one record's detail and recompute every chain value after it.

    The rewritten chain is consistent in itself; only an anchor the peer
    holds can tell.
    """
    out = []
    prev: str | None = None
    for record in records:
        fields = record.to_dict()
        if record.audit_id == changed_id:
            fields["detail"] = detail
        prev = next_chain(prev, fields)
        out.append(
            update(audit_log)
            .where(audit_log.c.audit_id == record.audit_id)
            .values(detail=fields["detail"], chain=prev)
        )
    return out
