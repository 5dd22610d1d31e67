"""``detente log verify``: every log this node holds, checked from its stored bytes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from detente.log.verify import LogReport, verify_log
from detente.node.service import NodeService
from detente.store import keyring, logs
from detente.types import ProgressFn
from detente.wire.keys import VerifyKey

PAGE = 2000


@dataclass
class NodeReport:
    logs: list[LogReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.logs)

    def to_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "logs": [r.to_dict() for r in self.logs]}


def verify_node_logs(service: NodeService, progress: ProgressFn | None = None) -> NodeReport:
    """Own log and every mirror, page by page so memory stays bounded.

    ``progress`` hears ``(log, entries read, log size)`` after every page.
    """
    report = NodeReport()
    for row in service.channels():
        for member in row.members:
            with service.db.reading() as conn:
                at = logs.head(conn, row.channel_id, member.party)
                history = keyring.keys_of(conn, row.channel_id, member.party)
            # Every key the member ever signed with (rotation keeps old entries valid).
            keys = {k.key_id: VerifyKey.from_b64(k.public_key) for k in history} or {
                member.key_id: VerifyKey.from_b64(member.public_key)
            }

            def rows(
                channel_id: str = row.channel_id, party: str = member.party, size: int = at.size
            ) -> Iterator[tuple[int, str, dict[str, str]]]:
                seq = 1
                while True:
                    with service.db.reading() as conn:
                        page = logs.entries_from(conn, channel_id, party, seq, PAGE)
                    if not page:
                        return
                    for stored in page:
                        if stored.seq > size:
                            return  # appended after we read the head: the next check sees it
                        yield stored.seq, stored.id, stored.envelope()
                    seq = page[-1].seq + 1
                    if progress is not None:
                        progress(f"{channel_id[:8]}… {party}", min(seq - 1, size), size)

            report.logs.append(
                verify_log(
                    row.channel_id,
                    member.party,
                    rows(),
                    keys,
                    claimed_size=at.size,
                    claimed_root=at.root_hex,
                )
            )
    return report
