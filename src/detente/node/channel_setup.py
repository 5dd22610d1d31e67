"""Invite and accept: the database side of the channel documents."""

from __future__ import annotations

from dataclasses import dataclass

from detente.errors import ConfigError, NotFoundError, ValidationError
from detente.node.channel_doc import (
    Acceptance,
    Invitation,
    MemberDoc,
    channel_doc_text,
    make_acceptance,
    make_invitation,
    settings_hash,
)
from detente.node.channel_settings import ChannelSettings
from detente.node.settings import NodeSettings
from detente.store import channels as queries
from detente.store.database import Database
from detente.wire.keys import SigningKey, fingerprint_of


@dataclass(frozen=True)
class SetupOutcome:
    """What happened, with the fingerprints people must compare out of band."""

    channel_id: str
    state: str
    my_fingerprint: str
    peer_party: str | None
    peer_fingerprint: str | None
    document: Invitation | Acceptance | None


def me_doc(settings: NodeSettings, key: SigningKey) -> MemberDoc:
    return MemberDoc(
        party=settings.party,
        name=settings.name,
        key_id=key.key_id,
        public_key=key.verify_key.b64(),
        endpoint=settings.public_url,
        tls_cert=settings.tls_cert_path.read_text(encoding="ascii") if settings.tls else None,
    )


def invite(
    db: Database, settings: NodeSettings, key: SigningKey, terms: ChannelSettings
) -> SetupOutcome:
    me = me_doc(settings, key)
    doc = make_invitation(me, key, terms)
    with db.writing() as conn:
        queries.put_channel(
            conn,
            doc.channel_id,
            channel_doc_text(terms),
            "pending",
            [me.as_member(is_self=True)],
        )
    return SetupOutcome(doc.channel_id, "pending", key.verify_key.fingerprint, None, None, doc)


def accept(
    db: Database, settings: NodeSettings, key: SigningKey, doc: Invitation | Acceptance
) -> SetupOutcome:
    """Accept an invitation (we join) or an acceptance (our invitation was taken up)."""
    me = me_doc(settings, key)
    peer = doc.member
    peer_fp = fingerprint_of(peer.verify_key().public_bytes)
    if peer.party == settings.party:
        raise ValidationError("a party cannot open a channel with itself", field="member.party")
    if isinstance(doc, Invitation):
        with db.writing() as conn:
            if queries.get_channel(conn, doc.channel_id) is not None:
                raise ConfigError(f"channel {doc.channel_id} already exists", field="channel_id")
            queries.put_channel(
                conn,
                doc.channel_id,
                channel_doc_text(doc.settings),
                "active",
                [me.as_member(is_self=True), peer.as_member(is_self=False)],
            )
        acceptance = make_acceptance(doc, me, key)
        return SetupOutcome(
            doc.channel_id, "active", key.verify_key.fingerprint, peer.party, peer_fp, acceptance
        )
    with db.writing() as conn:
        row = queries.get_channel(conn, doc.channel_id)
        if row is None:
            raise NotFoundError(
                f"no invitation {doc.channel_id} was issued here", field="channel_id"
            )
        if doc.inviter_key_id != key.key_id:
            raise ValidationError(
                "acceptance answers another node's invitation", field="inviter_key_id"
            )
        terms = ChannelSettings.model_validate_json(row.doc)
        if doc.settings_sha256 != settings_hash(terms):
            raise ValidationError(
                "acceptance is for different channel terms", field="settings_sha256"
            )
        existing = row.member(peer.party)
        if existing is not None and existing.key_id != peer.key_id:
            raise ConfigError(
                f"{peer.party} already joined with another key; a key change must be rotated "
                "through the log",
                field="member.key_id",
            )
        members = [m for m in row.members if m.party != peer.party]
        members.append(peer.as_member(is_self=False))
        queries.put_channel(conn, doc.channel_id, row.doc, "active", members)
    return SetupOutcome(
        doc.channel_id, "active", key.verify_key.fingerprint, peer.party, peer_fp, None
    )
