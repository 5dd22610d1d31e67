"""The foundation's own entry kinds: free text and receipts.

Capabilities add their kinds (phrases, alerts, notices …) in their own
packages; the node composes every kind into one ``KindRegistry``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, ClassVar

from pydantic import Field, StringConstraints
from pydantic import ValidationError as PydanticValidationError

from detente.errors import ValidationError
from detente.wire.body import Body

LangTag = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$")]
MAX_TEXT_CHARS = 8000


class TextBody(Body):
    """Free text in its original language; a translation is never the original."""

    KIND: ClassVar[str] = "text"

    text: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT_CHARS)]
    lang: LangTag


class ReceiptBody(Body):
    """The machine statement "I stored your entries up to N"."""

    KIND: ClassVar[str] = "receipt"
    SAFETY_FLOOR: ClassVar[bool] = True
    NEEDS_ACK: ClassVar[bool] = False

    of: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2,8}$")]
    up_to_seq: int = Field(ge=1)
    up_to_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class KindRegistry:
    """Maps a kind name to its body model and validates bodies against it."""

    def __init__(self, bodies: Iterable[type[Body]] = ()) -> None:
        self._bodies: dict[str, type[Body]] = {}
        for body in bodies:
            self.register(body)

    def register(self, body: type[Body]) -> None:
        if not body.KIND:
            raise ValueError(f"{body.__name__} has no KIND")
        if body.KIND in self._bodies and self._bodies[body.KIND] is not body:
            raise ValueError(f"kind {body.KIND!r} registered twice")
        self._bodies[body.KIND] = body

    def __contains__(self, kind: str) -> bool:
        return kind in self._bodies

    def kinds(self) -> list[str]:
        return sorted(self._bodies)

    def model(self, kind: str) -> type[Body]:
        try:
            return self._bodies[kind]
        except KeyError:
            raise ValidationError(f"unknown kind {kind!r}", field="kind") from None

    def is_safety_floor(self, kind: str) -> bool:
        return self.model(kind).SAFETY_FLOOR

    def needs_ack(self, kind: str) -> bool:
        return kind in self._bodies and self._bodies[kind].NEEDS_ACK

    def ack_kinds(self) -> list[str]:
        return sorted(k for k, b in self._bodies.items() if b.NEEDS_ACK)

    def validate(self, kind: str, body: dict[str, Any], *, field: str = "body") -> Body:
        """Parse ``body`` as ``kind``; the error names the offending field."""
        model = self.model(kind)
        try:
            return model.model_validate(body)
        except PydanticValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            raise ValidationError(first["msg"], field=f"{field}.{loc}" if loc else field) from exc


def foundation_kinds() -> list[type[Body]]:
    return [TextBody, ReceiptBody]
