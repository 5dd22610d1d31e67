"""Which party a track belongs to: the operator's unit registry first, then the identifiers.

Order of trust, strongest first:

1. a unit in the registry whose identifier (track id, MMSI, ICAO address or
   call sign) matches: its party, name and type are what the operator declared.
   A call sign is compared, case-blind, with the name the track broadcasts: an
   aircraft's flight id (SBS, Mode-S) or a ship's AIS name;
2. a party the input itself carried (a JSON-lines ``party``);
3. the flag state of an MMSI (its MID) or the State of registry of an ICAO
   address (its Annex 10 block), mapped through ``country_party``;
4. otherwise unknown: party ``None``.

The registry file (YAML or JSON)::

    units:
      - name: USS Example
        party: US
        type: navy            # navy, coast_guard, maritime_militia, air_force,
        mmsi: 366999001       #   government, civilian
        icao: [AE1234]
        callsign: NAVY01
    country_party: {HK: CN}   # optional: ISO country -> party code

Must never invent a party: a flag of convenience is reported as the flag.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from detente.deconflict.attribution.icao import registry_state
from detente.deconflict.attribution.mid import flag_state
from detente.deconflict.track import TrackState
from detente.errors import ConfigError

UnitType = Literal["navy", "coast_guard", "maritime_militia", "air_force", "government", "civilian"]
PARTY_PATTERN = r"^[A-Z]{2,8}$"
Resolve = Callable[[str, str | None, str | None], tuple[str | None, str | None]]
"""(track, name, party the input gave) -> (party, name) the state should carry."""
MAX_CACHED_TRACKS = 100_000


def unattributed(track: str, name: str | None, party: str | None) -> tuple[str | None, str | None]:
    """The ``Resolve`` that leaves party and name as the input gave them."""
    return party, name


def _as_tuple(value: object) -> object:
    if value is None:
        return ()
    if isinstance(value, str | int) and not isinstance(value, bool):
        return (value,)
    return value


class Unit(BaseModel):
    """A platform the operator attributes to a party, found by any of its identifiers."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    name: str = Field(min_length=1, max_length=200)
    party: str = Field(pattern=PARTY_PATTERN)
    unit_type: UnitType = Field(alias="type")
    mmsi: tuple[int, ...] = ()
    icao: tuple[str, ...] = ()
    callsign: tuple[str, ...] = ()
    track: tuple[str, ...] = ()

    @field_validator("mmsi", "icao", "callsign", "track", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return _as_tuple(value)

    @field_validator("mmsi", mode="before")
    @classmethod
    def _mmsi_digits(cls, value: object) -> object:
        if isinstance(value, tuple | list):
            return tuple(int(v) if isinstance(v, str) and v.isdigit() else v for v in value)
        return value

    @field_validator("mmsi")
    @classmethod
    def _mmsi_range(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        for mmsi in value:
            if not 0 < mmsi <= 999_999_999:
                raise ValueError(f"{mmsi} is not a 9-digit MMSI")
        return value

    @field_validator("icao")
    @classmethod
    def _icao_hex(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        out = []
        for address in value:
            text = address.strip().upper()
            if len(text) != 6 or any(c not in "0123456789ABCDEF" for c in text):
                raise ValueError(f"{address!r} is not a 6-digit hex ICAO address")
            out.append(text)
        return tuple(out)

    @field_validator("callsign")
    @classmethod
    def _callsign_upper(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(c.strip().upper() for c in value if c.strip())

    @model_validator(mode="after")
    def _has_identifier(self) -> Unit:
        if not (self.mmsi or self.icao or self.callsign or self.track):
            raise ValueError("a unit needs at least one of mmsi, icao, callsign, track")
        return self


def _field_of(error: pydantic.ValidationError, prefix: str) -> tuple[str, str]:
    first = error.errors()[0]
    loc = ".".join(str(p) for p in first["loc"])
    return (f"{prefix}.{loc}" if loc else prefix), first["msg"]


class UnitRegistry:
    """Known units indexed by identifier, plus the country-to-party mapping."""

    def __init__(
        self, units: Iterable[Unit] = (), country_party: dict[str, str] | None = None
    ) -> None:
        self.units = tuple(units)
        self.country_party = dict(country_party or {})
        self._by: dict[tuple[str, str], Unit] = {}
        self._cache: dict[tuple[str, str | None], tuple[Unit | None, str | None]] = {}
        """(track, name) -> (unit, party of the flag or block): a feed repeats its tracks."""
        for i, unit in enumerate(self.units):
            keys = [("track", v) for v in unit.track]
            keys += [("mmsi", str(v)) for v in unit.mmsi]
            keys += [("icao", v) for v in unit.icao]
            keys += [("callsign", v) for v in unit.callsign]
            for kind, value in keys:
                other = self._by.get((kind, value))
                if other is not None:
                    raise ConfigError(
                        f"{kind} {value} also belongs to {other.name!r}", field=f"units[{i}].{kind}"
                    )
                self._by[(kind, value)] = unit

    @classmethod
    def load(cls, path: Path) -> UnitRegistry:
        """Read and validate a registry file; errors name the unit index and field."""
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read {path}: {exc}", field="registry") from None
        try:
            data: Any = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        except (json.JSONDecodeError, yaml.YAMLError) as exc:
            raise ConfigError(
                f"{path} is not valid JSON or YAML: {exc}", field="registry"
            ) from None
        return cls.from_data(data)

    @classmethod
    def from_data(cls, data: object) -> UnitRegistry:
        """Validate already-parsed registry data."""
        if not isinstance(data, dict):
            raise ConfigError("must be a mapping with a 'units' list", field="registry")
        unknown = sorted(set(data) - {"units", "country_party"})
        if unknown:
            raise ConfigError("unknown key", field=unknown[0])
        raw_units = data.get("units") or []
        if not isinstance(raw_units, list):
            raise ConfigError("must be a list", field="units")
        units = []
        for i, raw in enumerate(raw_units):
            try:
                units.append(Unit.model_validate(raw))
            except pydantic.ValidationError as exc:
                name, reason = _field_of(exc, f"units[{i}]")
                raise ConfigError(reason, field=name) from None
        mapping = data.get("country_party") or {}
        if not isinstance(mapping, dict):
            raise ConfigError("must be a mapping of country code to party", field="country_party")
        for country, party in mapping.items():
            if not isinstance(party, str) or not re.match(PARTY_PATTERN, party):
                raise ConfigError(
                    f"{party!r} is not a party code (2-8 upper-case letters)",
                    field=f"country_party.{country}",
                )
        return cls(units, mapping)

    def unit_for(self, state: TrackState) -> Unit | None:
        """The registered unit a state belongs to, by track id, MMSI, ICAO address or call sign."""
        return self._unit(state.track, state.name)

    def _unit(self, track: str, name: str | None) -> Unit | None:
        by = self._by
        if not by:
            return None
        unit = by.get(("track", track))
        if unit is None and track.startswith("mmsi:"):
            unit = by.get(("mmsi", str(int(track[5:]))))
        elif unit is None and track.startswith("icao:"):
            unit = by.get(("icao", track[5:]))
        if unit is None and name:
            unit = by.get(("callsign", name.strip().upper()))
        return unit

    def _country(self, track: str) -> str | None:
        if track.startswith("mmsi:"):
            country = flag_state(int(track[5:]))
        elif track.startswith("icao:"):
            country = registry_state(track[5:])
        else:
            return None
        return None if country is None else self.country_party.get(country, country)

    def resolve(
        self, track: str, name: str | None, party: str | None
    ) -> tuple[str | None, str | None]:
        """(party, name) a state with these identifiers should carry, in the order of trust above.

        Decoders call this before they build a state, so that each state is built
        once: a frozen ``TrackState`` costs as much to build as to decode.
        """
        key = (track, name)
        hit = self._cache.get(key)
        if hit is None:
            if len(self._cache) >= MAX_CACHED_TRACKS:
                self._cache.clear()
            hit = self._cache[key] = (self._unit(track, name), self._country(track))
        unit, country_party = hit
        if unit is not None:
            return unit.party, unit.name
        if party is not None or country_party is None:
            return party, name
        return country_party, name

    def attribute(self, state: TrackState) -> TrackState:
        """The state with its party (and, for a registered unit, its name) filled in."""
        party, name = self.resolve(state.track, state.name, state.party)
        if party == state.party and name == state.name:
            return state
        return dataclasses.replace(state, party=party, name=name)
