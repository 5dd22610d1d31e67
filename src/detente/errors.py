"""The one error tree of Détente.

Every error names what was wrong (``field``) and why (``reason``) so that a
CLI, an API response or a log line can tell an operator exactly what to fix.
HTTP status mapping lives in one place (``detente.api.errors``), never here.

    DetenteError
    ├── ValidationError          bad input: a field failed a rule
    │   └── IngestError          a track line or sentence could not be read
    ├── ConfigError              a node or channel configuration problem
    ├── WireError                bytes on the wire are not a valid entry
    │   ├── CanonicalError       not canonical JSON (RFC 8785)
    │   └── SignatureError       signature missing, malformed or wrong
    ├── ProtocolError            a valid entry that breaks the peer protocol
    │   ├── UnknownKeyError      signed by a key the channel does not list
    │   ├── KeyValidityError     a listed key, but rotated out or revoked for that seq
    │   ├── ChannelError         unknown channel or wrong channel
    │   ├── SequenceError        gap or fork in a peer's sequence
    │   ├── ReplayError          an entry already stored
    │   ├── SuspendedError       dialogue refused while a channel is suspended
    │   └── EquivocationError    two checkpoints of one size disagree
    ├── ProofError               a Merkle proof or checkpoint does not verify
    ├── AuthError                an operator or peer is not who it claims
    │   └── ForbiddenError     authenticated but not allowed
    ├── RateLimitError           too many requests from one caller
    ├── NotFoundError            a named thing does not exist
    └── StoreError               the database refused an operation
"""

from __future__ import annotations

from collections.abc import Collection, Sequence


class DetenteError(Exception):
    """Root of every error Détente raises on purpose."""

    code = "error"

    def __init__(self, reason: str, *, field: str | None = None) -> None:
        self.reason = reason
        self.field = field
        super().__init__(f"{field}: {reason}" if field else reason)

    def to_dict(self) -> dict[str, str | None]:
        """A JSON-ready description, the same shape on every interface."""
        return {"error": self.code, "field": self.field, "reason": self.reason}


class ValidationError(DetenteError):
    code = "invalid"


class IngestError(ValidationError):
    code = "ingest"

    def __init__(self, reason: str, *, line: int | None = None, field: str | None = None) -> None:
        self.line = line
        super().__init__(reason, field=field)


class ConfigError(DetenteError):
    code = "config"


class WireError(DetenteError):
    code = "wire"


class CanonicalError(WireError):
    code = "not_canonical"


class SignatureError(WireError):
    code = "bad_signature"


class ProtocolError(DetenteError):
    code = "protocol"


class UnknownKeyError(ProtocolError):
    code = "unknown_key"


class KeyValidityError(ProtocolError):
    code = "key_not_valid"


class ChannelError(ProtocolError):
    code = "wrong_channel"


class SequenceError(ProtocolError):
    code = "sequence"


class ReplayError(ProtocolError):
    code = "replay"


class SuspendedError(ProtocolError):
    code = "suspended"


class EquivocationError(ProtocolError):
    code = "equivocation"


class ProofError(DetenteError):
    code = "proof"


class AuthError(DetenteError):
    code = "unauthorized"


class ForbiddenError(AuthError):
    code = "forbidden"


class RateLimitError(DetenteError):
    code = "rate_limited"


class NotFoundError(DetenteError):
    code = "not_found"


class StoreError(DetenteError):
    code = "store"


def field_path(loc: Sequence[int | str], *, skip: Collection[str] = ()) -> str:
    """A pydantic location as the person fixing the input reads it.

    ``("steps", 2, "send")`` -> ``steps[2].send``. ``skip`` drops the names pydantic
    gives union members it tried (``Polygon``): the field is the same either way.
    """
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part not in skip:
            path += f".{part}" if path else str(part)
    return path
