"""Attribution: MID flag states, ICAO blocks, and the operator's unit registry first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detente.deconflict.attribution import UnitRegistry, classify_mmsi, flag_state, registry_state
from detente.deconflict.attribution.mid import mid_table
from detente.deconflict.track import TrackState
from detente.errors import ConfigError


def _state(track: str, name: str | None = None, party: str | None = None) -> TrackState:
    return TrackState(track, 0.0, 10.0, 115.0, 5.0, 90.0, name=name, party=party)


@pytest.mark.parametrize(
    ("mmsi", "country"),
    [
        (412000001, "CN"),
        (413123456, "CN"),
        (416000001, "TW"),
        (477000001, "HK"),
        (366999001, "US"),
        (338000001, "US"),
        (431000001, "JP"),
        (440000001, "KR"),
        (548000001, "PH"),
        (574000001, "VN"),
        (273000001, "RU"),
        (232000001, "GB"),
        (636000001, "LR"),
        (351000001, "PA"),
        (999000001, None),
    ],
)
def test_flag_state_of_ship_mmsi(mmsi: int, country: str | None) -> None:
    assert flag_state(mmsi) == country


@pytest.mark.parametrize(
    ("mmsi", "kind", "mid", "country"),
    [
        (4123456, "coast", 412, "CN"),  # 00MIDxxxx
        (36699901, "group", 366, "US"),  # 0MIDxxxxx
        (111412001, "sar_aircraft", 412, "CN"),
        (970123456, "distress_device", None, None),
        (972000001, "distress_device", None, None),
        (974000001, "distress_device", None, None),
        (984121234, "auxiliary_craft", 412, "CN"),
        (993669999, "aid_to_navigation", 366, "US"),
        (841212345, "handheld", 412, "CN"),
        (123456789, "invalid", None, None),
        (1_000_000_000, "invalid", None, None),
    ],
)
def test_classify_mmsi_finds_the_mid_where_each_station_kind_keeps_it(
    mmsi: int, kind: str, mid: int | None, country: str | None
) -> None:
    info = classify_mmsi(mmsi)
    assert (info.kind, info.mid, info.country) == (kind, mid, country)


def test_mid_table_covers_201_to_775_with_alpha2_codes() -> None:
    table = mid_table()
    assert min(table) == 201 and max(table) == 775
    assert len(table) > 280
    assert all(len(code) == 2 and code.isupper() for code in table.values())


@pytest.mark.parametrize(
    ("address", "state"),
    [
        ("A00001", "US"),
        ("AE1234", "US"),
        ("780A1B", "CN"),
        ("7BFFFF", "CN"),
        ("840000", "JP"),
        ("71BE00", "KR"),
        ("899100", "TW"),
        ("758123", "PH"),
        ("888000", "VN"),
        ("150000", "RU"),
        ("400A00", "GB"),
        ("3A0000", "FR"),
        ("3C6666", "DE"),
        ("7C1234", "AU"),
        ("800123", "IN"),
        ("750100", "MY"),
        ("8A0100", "ID"),
        ("768100", "SG"),
        ("000001", None),
        ("ZZZZZZ", None),
    ],
)
def test_registry_state_of_icao_address(address: str, state: str | None) -> None:
    assert registry_state(address) == state


def test_registry_unit_wins_over_flag_and_input(tmp_path: Path) -> None:
    path = tmp_path / "units.yaml"
    path.write_text(
        """
units:
  - {name: USNS Impeccable, party: US, type: navy, mmsi: "366999001"}
  - {name: Haixun 06, party: CN, type: coast_guard, mmsi: [412000001, 412000002]}
  - {name: P-8A, party: US, type: air_force, icao: ae1234, callsign: [pelican1]}
  - {name: Militia trawler, party: CN, type: maritime_militia, track: "boat-7"}
country_party: {HK: CN}
"""
    )
    registry = UnitRegistry.load(path)
    assert registry.attribute(_state("mmsi:366999001")).party == "US"
    haixun = registry.attribute(_state("mmsi:412000002", name="HAI XUN 06", party="VN"))
    assert (haixun.party, haixun.name) == ("CN", "Haixun 06")
    assert registry.attribute(_state("icao:AE1234")).name == "P-8A"
    assert registry.attribute(_state("icao:AAAAAA", name="PELICAN1 ")).party == "US"
    militia = registry.unit_for(_state("boat-7"))
    assert militia is not None and militia.unit_type == "maritime_militia"
    # Not registered: the input's own party first, then the flag, mapped through country_party.
    assert registry.attribute(_state("mmsi:574000001", party="PH")).party == "PH"
    assert registry.attribute(_state("mmsi:477000001")).party == "CN"
    assert registry.attribute(_state("mmsi:970123456")).party is None
    assert registry.attribute(_state("unknown-7")).party is None


@pytest.mark.parametrize(
    ("units", "field"),
    [
        ([{"name": "X", "party": "us", "type": "navy", "mmsi": 366999001}], "units[0].party"),
        (
            [
                {"name": "X", "party": "US", "type": "navy", "mmsi": 366999001},
                {"name": "Y", "party": "US", "type": "pirate", "mmsi": 1},
            ],
            "units[1].type",
        ),
        ([{"name": "X", "party": "US", "type": "navy"}], "units[0]"),
        ([{"name": "X", "party": "US", "type": "navy", "icao": "XYZ"}], "units[0].icao"),
        ([{"name": "X", "party": "US", "type": "navy", "mmsi": 1234567890}], "units[0].mmsi"),
        ([{"name": "X", "party": "US", "type": "navy", "mmsi": 1, "hull": "DDG"}], "units[0].hull"),
        (
            [
                {"name": "X", "party": "US", "type": "navy", "mmsi": 1},
                {"name": "Y", "party": "CN", "type": "navy", "mmsi": 1},
            ],
            "units[1].mmsi",
        ),
    ],
)
def test_registry_errors_name_the_unit_index_and_field(
    tmp_path: Path, units: list[dict[str, object]], field: str
) -> None:
    path = tmp_path / "units.json"
    path.write_text(json.dumps({"units": units}))
    with pytest.raises(ConfigError) as caught:
        UnitRegistry.load(path)
    assert caught.value.field == field


def test_registry_file_that_is_not_yaml_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "units.yaml"
    path.write_text("units: [unclosed")
    with pytest.raises(ConfigError) as caught:
        UnitRegistry.load(path)
    assert caught.value.field == "registry"


def test_decoder_attributes_states_as_it_builds_them(tmp_path: Path) -> None:
    from pyais.encode import encode_dict

    from detente.deconflict.ingest import StateDecoder, read_states

    registry = UnitRegistry.from_data(
        {
            "units": [
                {
                    "name": "Haixun 06",
                    "party": "CN",
                    "type": "coast_guard",
                    "callsign": "HAI XUN 06",
                }
            ]
        }
    )
    position = encode_dict(
        {"type": 1, "mmsi": 548000001, "lat": 15.1, "lon": 117.8, "speed": 9.0, "course": 10.0},
        talker_id="AI",
        sentence_type="VDM",
    )[0]
    static = encode_dict(
        {"type": 24, "mmsi": 548000001, "partno": 0, "shipname": "HAI XUN 06"},
        talker_id="AI",
        sentence_type="VDM",
    )[0]
    decoder = StateDecoder("ais", registry=registry)
    (state,) = decoder.feed_line(position, 0.0)
    assert (state.party, state.name) == ("PH", None)  # flag state until the name is known
    decoder.feed_line(static, 0.0)
    (state,) = decoder.feed_line(position, 0.0)
    assert (state.party, state.name) == ("CN", "Haixun 06")  # the registry matches the name
    path = tmp_path / "late.nmea"
    path.write_text(f"{position}\n{static}\n")
    (early,) = read_states(path, registry=registry, start_t=0.0).states
    assert (early.party, early.name) == ("CN", "Haixun 06")  # back-filled, then attributed


def test_registry_rejects_unknown_top_level_keys() -> None:
    with pytest.raises(ConfigError) as caught:
        UnitRegistry.from_data({"units": [], "parties": {}})
    assert caught.value.field == "parties"


def test_registry_country_party_must_map_to_party_codes() -> None:
    with pytest.raises(ConfigError) as caught:
        UnitRegistry.from_data({"units": [], "country_party": {"HK": "china"}})
    assert caught.value.field == "country_party.HK"
