"""Setting up a channel between two nodes by exchanging two signed files.

The inviter writes an invitation (its party, key, endpoint and the proposed
channel terms). The invitee accepts it and writes an acceptance (its own
party, key, endpoint, bound to the invitation's terms by hash). Both sides
show the key fingerprints so the officers can compare them out of band: the
files prove possession of a key, only the comparison proves whose key it is.
No network is needed, so no unauthenticated "join" endpoint exists.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic import ValidationError as PydanticValidationError

from detente.errors import ConfigError, SignatureError, ValidationError
from detente.link.tls import is_loopback
from detente.node.channel_settings import ChannelSettings
from detente.store.channels import Member
from detente.wire.canonical import canonical_bytes
from detente.wire.keys import SigningKey, VerifyKey, b64decode, b64encode


class MemberDoc(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    party: str = Field(pattern=r"^[A-Z]{2,8}$")
    name: str = Field(min_length=1, max_length=200)
    key_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    public_key: str = Field(min_length=43, max_length=43)
    endpoint: str = Field(pattern=r"^https?://", max_length=500)
    tls_cert: str | None = Field(default=None, max_length=8000)
    """PEM certificate the peer pins for an https endpoint."""

    @model_validator(mode="after")
    def _transport(self) -> MemberDoc:
        url = urlsplit(self.endpoint)
        if url.scheme == "https" and not self.tls_cert:
            raise ValueError("an https endpoint needs tls_cert, which peers pin")
        if url.scheme == "http" and not is_loopback(url.hostname or ""):
            raise ValueError("plain http is only allowed on loopback; use https")
        return self

    def verify_key(self) -> VerifyKey:
        key = VerifyKey.from_b64(self.public_key)
        if key.key_id != self.key_id:
            raise ValidationError("key_id does not match public_key", field="from.key_id")
        return key

    def as_member(self, *, is_self: bool) -> Member:
        return Member(
            self.party,
            self.name,
            self.key_id,
            self.public_key,
            self.endpoint,
            is_self,
            self.tls_cert,
        )


class Invitation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["detente/invitation"] = "detente/invitation"
    v: Literal[1] = 1
    channel_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    settings: ChannelSettings
    member: MemberDoc
    t: float
    sig: str = ""


class Acceptance(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["detente/acceptance"] = "detente/acceptance"
    v: Literal[1] = 1
    channel_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    settings_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    inviter_key_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    member: MemberDoc
    t: float
    sig: str = ""


def settings_hash(settings: ChannelSettings) -> str:
    return hashlib.sha256(canonical_bytes(settings.model_dump(mode="json"))).hexdigest()


def _signed_bytes(doc: BaseModel) -> bytes:
    data = doc.model_dump(mode="json")
    data.pop("sig")
    return canonical_bytes(data)


def _sign(doc: Invitation | Acceptance, key: SigningKey) -> str:
    return b64encode(key.sign(_signed_bytes(doc)))


def _check_sig(doc: Invitation | Acceptance) -> None:
    key = doc.member.verify_key()
    try:
        key.verify(b64decode(doc.sig, field="sig"), _signed_bytes(doc))
    except SignatureError as exc:
        raise SignatureError(f"{doc.type} is not signed by its member key", field="sig") from exc


def make_invitation(me: MemberDoc, key: SigningKey, settings: ChannelSettings) -> Invitation:
    doc = Invitation(channel_id=secrets.token_hex(16), settings=settings, member=me, t=time.time())
    return doc.model_copy(update={"sig": _sign(doc, key)})


def make_acceptance(invitation: Invitation, me: MemberDoc, key: SigningKey) -> Acceptance:
    if invitation.member.party == me.party:
        raise ValidationError("a party cannot open a channel with itself", field="member.party")
    doc = Acceptance(
        channel_id=invitation.channel_id,
        settings_sha256=settings_hash(invitation.settings),
        inviter_key_id=invitation.member.key_id,
        member=me,
        t=time.time(),
    )
    return doc.model_copy(update={"sig": _sign(doc, key)})


def parse_document(text: str) -> Invitation | Acceptance:
    """Read an invitation or an acceptance and check its self-signature."""
    try:
        raw: Any = json.loads(text)
    except ValueError as exc:
        raise ValidationError(f"not JSON: {exc}", field="file") from exc
    kind = raw.get("type") if isinstance(raw, dict) else None
    model: type[Invitation] | type[Acceptance]
    if kind == "detente/invitation":
        model = Invitation
    elif kind == "detente/acceptance":
        model = Acceptance
    else:
        raise ValidationError(
            "expected type detente/invitation or detente/acceptance", field="type"
        )
    try:
        doc = model.model_validate(raw)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(first["msg"], field=".".join(str(p) for p in first["loc"])) from exc
    _check_sig(doc)
    return doc


def channel_doc_text(settings: ChannelSettings) -> str:
    return canonical_bytes(settings.model_dump(mode="json")).decode("utf-8")
