"""Every entry kind this node understands, composed from each capability."""

from __future__ import annotations

from detente.link.kinds import link_kinds
from detente.wire.kinds import KindRegistry, foundation_kinds


def default_registry() -> KindRegistry:
    """The kind registry of a full node. Capabilities register their bodies here."""
    return KindRegistry([*foundation_kinds(), *link_kinds()])
