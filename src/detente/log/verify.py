"""Checking a whole log from its stored bytes: the chain, the signatures, the root.

Pure: given the stored envelopes of one log in sequence, the keys allowed to
sign it and the head the database claims, say everything that is wrong.
Used by ``detente log verify`` and by evidence checks; it never repairs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from detente.errors import DetenteError
from detente.log.compact import CompactRange
from detente.wire.entry import GENESIS_PREV, open_envelope
from detente.wire.keys import VerifyKey

MAX_PROBLEMS = 50


@dataclass
class LogReport:
    """What one log's check found."""

    channel_id: str
    party: str
    size: int = 0
    root: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, object]:
        return {
            "channel": self.channel_id,
            "party": self.party,
            "size": self.size,
            "root": self.root,
            "ok": self.ok,
            "problems": self.problems,
        }


def verify_log(
    channel_id: str,
    party: str,
    envelopes: Iterable[tuple[int, str, Mapping[str, str]]],
    keys: Mapping[str, VerifyKey],
    *,
    claimed_size: int,
    claimed_root: str,
) -> LogReport:
    """Check ``(seq, stored_id, envelope)`` rows of one log, in sequence order."""
    report = LogReport(channel_id, party)
    compact = CompactRange.from_hex_list(0, [])
    expected_seq, expected_prev = 1, GENESIS_PREV

    def problem(text: str) -> None:
        if len(report.problems) < MAX_PROBLEMS:
            report.problems.append(text)

    for seq, stored_id, envelope in envelopes:
        if seq != expected_seq:
            problem(f"seq {seq} found where {expected_seq} was expected (gap)")
        try:
            item = open_envelope(dict(envelope), dict(keys), index=seq)
        except DetenteError as exc:
            problem(f"seq {seq}: {exc}")
            expected_seq = seq + 1
            continue
        entry = item.entry
        if item.id != stored_id:
            problem(f"seq {seq}: stored id {stored_id[:16]}… is not the hash of its payload")
        if entry.seq != seq or entry.party != party or entry.channel != channel_id:
            problem(f"seq {seq}: payload says {entry.party}/{entry.seq} on {entry.channel}")
        if entry.prev != expected_prev:
            problem(f"seq {seq}: prev {entry.prev[:16]}… breaks the chain")
        compact.append(bytes.fromhex(item.id))
        expected_seq, expected_prev = seq + 1, item.id
    report.size = compact.size
    report.root = compact.root().hex()
    if report.size != claimed_size:
        problem(f"head claims size {claimed_size}, log holds {report.size}")
    elif report.root != claimed_root:
        problem("head's Merkle root does not match the entries")
    return report
