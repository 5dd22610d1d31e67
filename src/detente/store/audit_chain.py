"""The audit log's hash chain: what each record's ``chain`` value commits to.

The triggers of migration 0002 stop the application from rewriting the
audit log, not the machine's owner, who can drop them. So every record also
carries ``chain = SHA-256(prev ‖ fields)``, where ``prev`` is the previous
record's chain value as 32 raw bytes (32 zero bytes for the first chained
record) and ``fields`` is the RFC 8785 canonical JSON of the object with
exactly these members, as stored (after clipping)::

    {"action", "detail", "operator", "outcome", "role", "source", "t", "target"}

``t`` is the stored float, ``detail`` is ``null`` when absent. Changing,
inserting or deleting any record breaks the chain at that record; the node
signs the newest value into its log from time to time (``audit_anchor``), so
the peer keeps a witness the owner cannot recall, and even a recomputed,
self-consistent chain no longer matches what was signed.

``audit_id`` is deliberately not hashed: the database numbers a record as it
inserts it (and PostgreSQL's sequence skips numbers after a rollback), so
the number is unknown when the chain value is computed. The chain fixes the
order and content of the records; verification walks them by ``audit_id``.

This module is the one definition of that encoding: ``audit.record`` writes
with it and ``audit_verify`` checks with it. It must never do I/O.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Final

from detente.types import JSONObject, JSONScalar
from detente.wire.canonical import canonical_bytes

GENESIS: Final = bytes(32)
"""What the first chained record chains onto."""

CHAINED_FIELDS: Final = ("t", "operator", "role", "action", "target", "outcome", "source", "detail")

CHAIN_VALUE: Final = re.compile(r"^[0-9a-f]{64}$")


def record_bytes(fields: Mapping[str, JSONScalar]) -> bytes:
    """The canonical bytes of one record's hashed fields (a missing one is a KeyError).

    JCS writes an integral float and the same integer alike (``100.0`` and
    ``100`` are both ``100``), so a ``t`` read back as either hashes the same.
    """
    hashed: JSONObject = {name: fields[name] for name in CHAINED_FIELDS}
    return canonical_bytes(hashed)


def next_chain(prev: str | None, fields: Mapping[str, JSONScalar]) -> str:
    """The chain value of a record whose predecessor's chain value is ``prev`` (None: first)."""
    before = GENESIS if prev is None else bytes.fromhex(prev)
    return hashlib.sha256(before + record_bytes(fields)).hexdigest()


def is_chain_value(text: object) -> bool:
    return isinstance(text, str) and CHAIN_VALUE.match(text) is not None
