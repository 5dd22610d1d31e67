"""Rotating and revoking our own key, through the log.

Rotation: a ``key_rotation`` entry on every channel, signed by the old key and
countersigned by the new one, then the new key signs everything after it.
The new key file is written first as ``node.key.new`` and renamed over
``node.key`` once the rotation entries are committed, so a crash in between is
finished on the next start (``finish_rotation``).

Revocation: a ``key_revocation`` entry, signed by the current key, voiding a
compromised key from a sequence number on; peers refuse and flag what it
signs from then on.
"""

from __future__ import annotations

import os
from pathlib import Path

from detente.errors import ValidationError
from detente.link.kinds import rotation_statement
from detente.link.outgoing import Draft
from detente.node.keystore import decrypt_key, encrypt_key, find_passphrase, write_secret
from detente.node.service import NodeService
from detente.node.settings import NodeSettings
from detente.store import channels as channel_queries
from detente.store import logs
from detente.wire.canonical import canonical_bytes
from detente.wire.enums import Precedence, Tier
from detente.wire.keys import SigningKey, b64encode


def _pending(settings: NodeSettings) -> Path:
    return settings.key_path.with_name(settings.key_path.name + ".new")


def rotate_key(service: NodeService) -> SigningKey:
    """Introduce a new key on every active channel and switch to it."""
    settings = service.settings
    passphrase = find_passphrase(settings.data_dir, settings.passphrase_file)
    new = SigningKey.generate()
    pending = _pending(settings)
    if pending.exists():
        pending.unlink()  # a rotation that never committed an entry
    write_secret(pending, encrypt_key(new, passphrase))
    with service.key_lock:
        _announce_and_switch(service, new, pending)
    return new


def _announce_and_switch(service: NodeService, new: SigningKey, pending: Path) -> None:
    old = service.key
    for row in service.channels():
        if row.state != "active":
            continue
        statement = rotation_statement(row.channel_id, service.party, old.key_id, new.key_id)
        service.send(
            row.channel_id,
            [
                Draft(
                    "key_rotation",
                    {
                        "new_key_id": new.key_id,
                        "new_public_key": new.verify_key.b64(),
                        "new_key_sig": b64encode(new.sign(canonical_bytes(statement))),
                    },
                    Precedence.IMMEDIATE,
                    Tier.OPERATIONAL,
                )
            ],
        )
    with service.db.writing() as conn:
        channel_queries.add_key(conn, new.key_id, service.party, new.verify_key.b64())
    os.replace(pending, service.settings.key_path)
    service.key = new


def finish_rotation(settings: NodeSettings, db_service: NodeService) -> None:
    """On start: if a new key file waits and our log already names it, adopt it."""
    pending = _pending(settings)
    if not pending.exists():
        return
    new = decrypt_key(
        pending.read_bytes(), find_passphrase(settings.data_dir, settings.passphrase_file)
    )
    with db_service.db.reading() as conn:
        named = any(
            new.key_id in stored.payload
            for row in channel_queries.list_channels(conn)
            for stored in logs.latest_of_kind(
                conn, row.channel_id, settings.party, "key_rotation", 1
            )
        )
    if named:
        os.replace(pending, settings.key_path)
        db_service.key = new
    else:
        pending.unlink()


def revoke_key(service: NodeService, key_id: str, from_seq: int, reason: str) -> int:
    """Announce on every active channel that ``key_id`` is void from ``from_seq``."""
    if key_id == service.key.key_id:
        raise ValidationError("rotate to a new key before revoking the current one", field="key_id")
    sent = 0
    for row in service.channels():
        if row.state != "active":
            continue
        service.send(
            row.channel_id,
            [
                Draft(
                    "key_revocation",
                    {"key_id": key_id, "from_seq": from_seq, "reason": reason},
                    Precedence.FLASH,
                    Tier.OPERATIONAL,
                )
            ],
        )
        sent += 1
    return sent
