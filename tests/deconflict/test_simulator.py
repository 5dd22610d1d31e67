"""The traffic simulator: deterministic, realistic enough, and its scripted encounters are found."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from detente.deconflict.attribution.registry import UnitRegistry
from detente.deconflict.encounter import replay
from detente.deconflict.ingest import read_states
from detente.deconflict.screen_states import screen_states
from detente.deconflict.simulator import generate, write
from detente.deconflict.simulator.population import snapshot
from detente.deconflict.simulator.scenario import Scenario
from detente.deconflict.simulator.writers import write_registry
from detente.deconflict.thresholds import EncounterThresholds, Level
from detente.geo.distance import MPS_PER_KNOT

CHANNEL = {"US", "CN", "PH", "JP"}


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return generate("scs", minutes=10, seed=1)


def test_simulator_same_seed_same_states() -> None:
    first = generate("scs", minutes=3, seed=7)
    again = generate("scs", minutes=3, seed=7)
    other = generate("scs", minutes=3, seed=8)
    assert first.states == again.states
    assert first.states != other.states


def test_simulator_states_in_time_order_and_inside_the_window(scenario: Scenario) -> None:
    times = [s.t for s in scenario.states]
    assert times == sorted(times)
    assert scenario.start_t <= times[0] and times[-1] < scenario.end_t


def test_simulator_traffic_mix_is_plausible(scenario: Scenario) -> None:
    kinds = Counter(u.kind for u in scenario.units)
    assert kinds["civilian"] > 100 and kinds["fishing"] >= 40
    assert kinds["navy"] >= 5 and kinds["coast_guard"] >= 2 and kinds["air_force"] >= 3
    parties = {u.party for u in scenario.units if u.party}
    assert parties == {"US", "CN", "PH", "JP"}
    for s in scenario.states:
        assert 0.0 <= s.lat_deg <= 32.0 and 103.0 <= s.lon_deg <= 123.0
        if s.domain == "sea":
            assert s.speed_mps <= 25 * MPS_PER_KNOT and s.alt_m == 0.0
        else:
            assert 90.0 <= s.speed_mps <= 260.0 and 6000.0 <= s.alt_m <= 12_500.0


def test_simulator_scripted_events_are_found_as_critical(scenario: Scenario) -> None:
    found = replay(scenario.states, parties=CHANNEL)
    by_pair = {frozenset((e.a.track, e.b.track)): e for e in found}
    for name, tolerance_m in (("destroyer_crossing", 14.0), ("unsafe_intercept", 3.0)):
        event = scenario.event(name)
        encounter = by_pair[frozenset((event.a, event.b))]
        assert encounter.max_level is Level.CRITICAL
        assert encounter.domain == event.domain
        assert encounter.closest_m == pytest.approx(event.miss_m, abs=tolerance_m)
        assert abs(encounter.closest_t - event.cpa_t) <= 10.0
    assert len(found) == 2, "nothing else in the channel comes close in ten minutes"


def test_simulator_writes_formats_that_ingest_reads_back(
    scenario: Scenario, tmp_path: Path
) -> None:
    registry_path = tmp_path / "units.yaml"
    write_registry(scenario, registry_path)
    registry = UnitRegistry.load(registry_path)
    counts = {}
    for fmt in ("jsonl", "ais", "sbs"):
        path = tmp_path / f"traffic.{fmt}"
        write(scenario, path, fmt)
        report = read_states(path, registry=registry)
        assert report.malformed_count == 0, report.malformed[:3]
        counts[fmt] = len(report.states)
    ships = sum(1 for s in scenario.states if s.domain == "sea")
    assert counts == {
        "jsonl": len(scenario.states),
        "ais": ships,
        "sbs": len(scenario.states) - ships,
    }
    ais = read_states(tmp_path / "traffic.ais", registry=registry)
    decatur = [s for s in ais.states if s.track == scenario.event("destroyer_crossing").a]
    assert decatur and decatur[0].party == "US" and decatur[0].name == "USS DECATUR"


def test_simulator_unknown_scenario_and_format() -> None:
    with pytest.raises(KeyError):
        generate("atlantic")
    with pytest.raises(ValueError, match="unknown format"):
        write(generate("scs", minutes=1), Path("unused"), "kml")


def test_population_snapshot_is_seeded_and_sized() -> None:
    crowd = snapshot(500, ("US", "CN"), seed=4)
    assert len(crowd) == 1000
    assert Counter(s.party for s in crowd) == {"US": 500, "CN": 500}
    assert snapshot(500, ("US", "CN"), seed=4) == crowd
    assert len({s.track for s in crowd}) == 1000
    assert 0 < sum(s.domain == "air" for s in crowd) < 100


def test_population_screen_matches_brute_force_on_every_pair() -> None:
    # The broad phase on clustered traffic must keep every pair an exhaustive screen finds.
    crowd = snapshot(300, ("US", "CN"), seed=9)
    thresholds = EncounterThresholds.default()
    result = screen_states(crowd, crowd[0].t, thresholds)
    found = set(result.pair_ids())
    exhaustive: set[tuple[str, str]] = set()
    us = [s for s in crowd if s.party == "US"]
    cn = [s for s in crowd if s.party == "CN"]
    for a in us:
        pairs = screen_states(
            [a, *cn], crowd[0].t, thresholds, watch=[(a.track, b.track) for b in cn]
        )
        exhaustive |= {
            ids for ids, level in zip(pairs.pair_ids(), pairs.levels, strict=True) if level > 0
        }
    assert found == {tuple(sorted(p)) for p in exhaustive}
    assert len(found) > 0
