"""Every entry kind this node understands, composed from each capability.

Also the one place that decides whether a given entry belongs to the safety
floor: most kinds decide by class, a standard phrase by its category (a
manoeuvre or safety phrase keeps flowing during a suspension, a request for
a meeting does not).
"""

from __future__ import annotations

from typing import Any

from detente.deconflict.activity import activity_kinds
from detente.deconflict.alert import EncounterAlertBody
from detente.dialogue.bodies import dialogue_kinds
from detente.i18n.kinds import i18n_kinds
from detente.i18n.phrases import catalogue
from detente.incidents.bodies import incident_kinds
from detente.link.kinds import link_kinds
from detente.wire.kinds import KindRegistry, foundation_kinds


def default_registry() -> KindRegistry:
    """The kind registry of a full node. Capabilities register their bodies here."""
    return KindRegistry(
        [
            *foundation_kinds(),
            *link_kinds(),
            *i18n_kinds(),
            *dialogue_kinds(),
            *incident_kinds(),
            *activity_kinds(),
            EncounterAlertBody,
        ]
    )


def is_safety_floor(registry: KindRegistry, kind: str, body: dict[str, Any]) -> bool:
    """Whether an entry keeps flowing while dialogue on its channel is suspended."""
    if kind == "phrase":
        phrase = catalogue().get(str(body.get("code")))
        return phrase is not None and phrase.safety
    return registry.is_safety_floor(kind)
