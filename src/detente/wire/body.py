"""Base of every entry body: the typed content a given ``kind`` carries.

Each capability defines its own bodies (``text``, ``phrase``,
``activity_notice`` …) as subclasses; the node composes them into one kind
registry. Bodies are frozen and forbid unknown fields so that what was signed
is exactly what is understood.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class Body(BaseModel):
    """An entry body. Subclasses set ``KIND`` and, if it is safety-critical, ``SAFETY_FLOOR``."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)

    KIND: ClassVar[str] = ""
    SAFETY_FLOOR: ClassVar[bool] = False
    """True for kinds that keep flowing while a channel's dialogue is suspended."""
    NEEDS_ACK: ClassVar[bool] = True
    """True for statements a human on the other side must acknowledge before a deadline."""
