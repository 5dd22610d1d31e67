"""Attribution of tracks to parties: the unit registry, MMSI flag states, ICAO blocks."""

from detente.deconflict.attribution.icao import registry_state
from detente.deconflict.attribution.mid import MmsiInfo, classify_mmsi, flag_state
from detente.deconflict.attribution.registry import (
    Resolve,
    Unit,
    UnitRegistry,
    UnitType,
    unattributed,
)

__all__ = [
    "MmsiInfo",
    "Resolve",
    "Unit",
    "UnitRegistry",
    "UnitType",
    "classify_mmsi",
    "flag_state",
    "registry_state",
    "unattributed",
]
