"""``detente audit verify``: the audit log's chain and our anchors, read from the database.

Anchors are read before the records, so every anchor names a record the walk
will reach; records are read page by page, so memory stays bounded however
long the log. Our log's own signatures are ``detente log verify``'s to check.
"""

from __future__ import annotations

from collections.abc import Iterator

from detente.node.audit_anchors import KIND, anchored_head
from detente.store import audit, logs
from detente.store import channels as channel_queries
from detente.store.audit import AuditRecord
from detente.store.audit_verify import Anchor, AuditReport, verify_audit
from detente.store.database import Database
from detente.types import ProgressFn

PAGE = 2000


def verify_node_audit(db: Database, party: str, progress: ProgressFn | None = None) -> AuditReport:
    """The chain of ``db``'s audit log against ``party``'s anchors on every channel.

    ``progress`` hears ``("audit records", read, total)`` after every page.
    """
    with db.reading() as conn:
        total = audit.count(conn)
        anchors = [
            Anchor(row.channel_id, seq, entry_id, anchored_head(payload))
            for row in channel_queries.list_channels(conn)
            for seq, entry_id, payload in logs.payloads_of_kind(conn, row.channel_id, party, KIND)
        ]

    def records() -> Iterator[AuditRecord]:
        after: int | None = None
        read = 0
        while True:
            with db.reading() as conn:
                page = audit.records_from(conn, after, PAGE)
            if not page:
                return
            yield from page
            after = page[-1].audit_id
            read += len(page)
            if progress is not None:
                progress("audit records", read, max(total, read))

    return verify_audit(records(), anchors)
