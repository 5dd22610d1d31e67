from __future__ import annotations

from detente.i18n.kinds import i18n_kinds
from detente.wire.kinds import KindRegistry, foundation_kinds


def test_kinds_compose_with_the_foundation_registry() -> None:
    registry = KindRegistry([*foundation_kinds(), *i18n_kinds()])
    assert {"phrase", "translation", "text"} <= set(registry.kinds())
    assert not registry.is_safety_floor("translation")
    body = registry.validate("phrase", {"code": "KEEP_CLEAR_BY", "params": {"distance": 1.5}})
    assert body.model_dump() == {"code": "KEEP_CLEAR_BY", "params": {"distance": 1.5}, "lang": None}
