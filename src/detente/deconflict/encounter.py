"""The alert lifecycle: one encounter per pair episode, from first alert to clear.

Screening says how close each pair will pass *now*; this module remembers
across screens so that a node notifies on level crossings, not on every
screen. A level rises at once (danger is never delayed) but falls only when
the pair is clear of it by a margin and has stayed clear for a hold time, so
alerts do not flicker. An encounter clears when the pair has passed its
closest point and is opening beyond the caution range, when no level has
been predicted for the hold time ("resolved"), or when a unit goes stale.

It must never send, sign or store anything: it returns events for the node.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np

from detente.deconflict.screen import PairGeometry
from detente.deconflict.screen_levels import classify
from detente.deconflict.screen_states import screen_states
from detente.deconflict.thresholds import EncounterThresholds, Level
from detente.deconflict.track import Domain, TrackState


class EventKind(StrEnum):
    OPENED = "opened"
    LEVEL_RAISED = "level_raised"
    LEVEL_LOWERED = "level_lowered"
    CLEARED = "cleared"


def encounter_id(track_a: str, track_b: str, first_alert_t: float) -> str:
    """Stable across nodes and replays: both sides derive the same id from the same tracks."""
    low, high = sorted((track_a, track_b))
    digest = hashlib.sha256(f"{low}\x00{high}\x00{first_alert_t:.3f}".encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Encounter:
    """A snapshot of one pair episode; a new snapshot replaces it on every change."""

    id: str
    a: TrackState
    b: TrackState
    domain: Domain
    level: Level
    max_level: Level
    first_alert_t: float
    first_cpa_m: float
    """The CPA predicted when the encounter opened."""
    first_tcpa_s: float
    cpa_m: float
    """The latest predicted CPA (horizontal)."""
    tcpa_s: float
    range_m: float
    """Latest horizontal range."""
    vsep_m: float
    closest_m: float
    """Closest distance actually observed (slant for aircraft), interpolated between screens."""
    closest_t: float
    updated_t: float
    cleared_t: float | None = None
    clear_reason: str | None = None

    @property
    def parties(self) -> tuple[str | None, str | None]:
        return self.a.party, self.b.party

    @property
    def cpa_t(self) -> float:
        """Epoch seconds of the latest predicted closest point."""
        return self.updated_t + self.tcpa_s


@dataclass(frozen=True, slots=True)
class EncounterEvent:
    """A level crossing the node may notify the other side about."""

    kind: EventKind
    t: float
    encounter: Encounter
    previous_level: Level


@dataclass(slots=True)
class _Episode:
    encounter: Encounter
    rel_m: tuple[float, float, float]
    lower_since: float | None = None


def _closest_on_segment(
    p0: tuple[float, float, float], p1: tuple[float, float, float], t0: float, t1: float
) -> tuple[float, float]:
    """Closest distance to the origin along the straight run p0 -> p1, and when."""
    start = np.array(p0)
    delta = np.array(p1) - start
    d2 = float(delta @ delta)
    frac = 0.0 if d2 == 0.0 else min(max(-float(start @ delta) / d2, 0.0), 1.0)
    return float(np.linalg.norm(start + frac * delta)), t0 + frac * (t1 - t0)


class EncounterTracker:
    """Fed with states in time order; returns the events each update causes."""

    def __init__(
        self,
        thresholds: EncounterThresholds | None = None,
        *,
        all_traffic: bool = False,
        parties: Collection[str] | None = None,
    ) -> None:
        self.thresholds = thresholds or EncounterThresholds.default()
        self._sticky = self.thresholds.model_copy(
            update={
                "sea": self.thresholds.sea.scaled(1.0 + self.thresholds.lower_margin),
                "air": self.thresholds.air.scaled(1.0 + self.thresholds.lower_margin),
            }
        )
        self.all_traffic = all_traffic
        self.parties = None if parties is None else frozenset(parties)
        self._states: dict[str, TrackState] = {}
        self._open: dict[tuple[str, str], _Episode] = {}
        self._closed: list[Encounter] = []
        self._now_s = float("-inf")

    def open_encounters(self) -> list[Encounter]:
        return sorted((ep.encounter for ep in self._open.values()), key=_order)

    def encounters(self) -> list[Encounter]:
        """Every encounter seen so far, closed and open, by first alert time."""
        return sorted([*self._closed, *self.open_encounters()], key=_order)

    def update(
        self, states: Iterable[TrackState], now_s: float | None = None
    ) -> list[EncounterEvent]:
        """Take new reports, screen at ``now_s`` (default: the newest report), return events."""
        for state in states:
            held = self._states.get(state.track)
            if held is None or state.t >= held.t:
                self._states[state.track] = state
            self._now_s = max(self._now_s, state.t)
        now = self._now_s if now_s is None else now_s
        self._now_s = max(self._now_s, now)
        result = screen_states(
            self._states.values(),
            now,
            self.thresholds,
            all_traffic=self.all_traffic,
            parties=self.parties,
            watch=self._open.keys(),
        )
        sticky = classify(result.geometry, self._sticky)
        events: list[EncounterEvent] = []
        seen: set[tuple[str, str]] = set()
        g = result.geometry
        for row, (id_a, id_b) in enumerate(result.pair_ids()):
            key = (id_a, id_b)
            seen.add(key)
            a, b = result.state(int(g.a[row])), result.state(int(g.b[row]))
            air = bool(g.is_air[row])
            rel = (float(g.sx_m[row]), float(g.sy_m[row]), float(g.sz_m[row]) if air else 0.0)
            level = Level(int(result.levels[row]))
            episode = self._open.get(key)
            if episode is None:
                if level > Level.NONE:
                    events.append(self._open_episode(key, a, b, rel, level, g, row, now))
                continue
            encounter = self._observe(episode, a, b, rel, level, g, row, now)
            event = self._relevel(key, episode, encounter, level, Level(int(sticky[row])), g, row)
            if event is not None:
                events.append(event)
        for key in [k for k in self._open if k not in seen]:
            events.append(self._clear(key, now, "stale"))
        self._forget_stale(now)
        return events

    def _forget_stale(self, now: float) -> None:
        """Drop tracks too old for any domain, so a long replay holds only live tracks."""
        oldest = now - max(self.thresholds.sea.max_age_s, self.thresholds.air.max_age_s)
        for track in [k for k, s in self._states.items() if s.t < oldest]:
            del self._states[track]

    def _open_episode(
        self,
        key: tuple[str, str],
        a: TrackState,
        b: TrackState,
        rel: tuple[float, float, float],
        level: Level,
        g: PairGeometry,
        row: int,
        now: float,
    ) -> EncounterEvent:
        encounter = Encounter(
            id=encounter_id(key[0], key[1], now),
            a=a,
            b=b,
            domain="air" if bool(g.is_air[row]) else "sea",
            level=level,
            max_level=level,
            first_alert_t=now,
            first_cpa_m=float(g.cpa_m[row]),
            first_tcpa_s=float(g.tcpa_s[row]),
            cpa_m=float(g.cpa_m[row]),
            tcpa_s=float(g.tcpa_s[row]),
            range_m=float(g.range_now_m[row]),
            vsep_m=float(g.vsep_now_m[row]),
            closest_m=float(np.linalg.norm(rel)),
            closest_t=now,
            updated_t=now,
        )
        self._open[key] = _Episode(encounter, rel)
        return EncounterEvent(EventKind.OPENED, now, encounter, Level.NONE)

    def _observe(
        self,
        episode: _Episode,
        a: TrackState,
        b: TrackState,
        rel: tuple[float, float, float],
        level: Level,
        g: PairGeometry,
        row: int,
        now: float,
    ) -> Encounter:
        """The latest geometry, and the closest distance seen since the previous screen."""
        old = episode.encounter
        closest_m, closest_t = _closest_on_segment(episode.rel_m, rel, old.updated_t, now)
        episode.rel_m = rel
        better = closest_m < old.closest_m
        return replace(
            old,
            a=a,
            b=b,
            cpa_m=float(g.cpa_m[row]),
            tcpa_s=float(g.tcpa_s[row]),
            range_m=float(g.range_now_m[row]),
            vsep_m=float(g.vsep_now_m[row]),
            closest_m=closest_m if better else old.closest_m,
            closest_t=closest_t if better else old.closest_t,
            updated_t=now,
        )

    def _relevel(
        self,
        key: tuple[str, str],
        episode: _Episode,
        encounter: Encounter,
        level: Level,
        sticky: Level,
        g: PairGeometry,
        row: int,
    ) -> EncounterEvent | None:
        """Raise at once; lower or clear only past the margin and after the hold time."""
        now = encounter.updated_t
        current = encounter.level
        episode.encounter = encounter
        domain = self.thresholds.air if encounter.domain == "air" else self.thresholds.sea
        caution_out_m = domain.caution.range_m * (1.0 + self.thresholds.lower_margin)
        opening = float(g.range_rate_mps[row]) > 0.0 and float(g.tcpa_s[row]) == 0.0
        if level > current:
            episode.lower_since = None
            episode.encounter = replace(
                encounter, level=level, max_level=max(level, encounter.max_level)
            )
            return EncounterEvent(EventKind.LEVEL_RAISED, now, episode.encounter, current)
        if opening and encounter.range_m > caution_out_m:
            return self._clear(key, now, "opening")
        if sticky >= current:
            episode.lower_since = None
            return None
        if episode.lower_since is None:
            episode.lower_since = now
        if now - episode.lower_since < self.thresholds.lower_hold_s:
            return None
        if sticky is Level.NONE:
            return self._clear(key, now, "resolved")
        episode.lower_since = None
        episode.encounter = replace(encounter, level=sticky)
        return EncounterEvent(EventKind.LEVEL_LOWERED, now, episode.encounter, current)

    def _clear(self, key: tuple[str, str], now: float, reason: str) -> EncounterEvent:
        episode = self._open.pop(key)
        encounter = replace(episode.encounter, cleared_t=now, clear_reason=reason)
        self._closed.append(encounter)
        return EncounterEvent(EventKind.CLEARED, now, encounter, encounter.level)


def _order(encounter: Encounter) -> tuple[float, str]:
    return encounter.first_alert_t, encounter.id


def replay(
    states: Iterable[TrackState],
    *,
    thresholds: EncounterThresholds | None = None,
    all_traffic: bool = False,
    parties: Collection[str] | None = None,
    step_s: float = 10.0,
    on_step: Callable[[int], None] | None = None,
) -> list[Encounter]:
    """Every encounter in a recording, screening once per ``step_s`` of recorded time.

    States must come in time order (ingest sorts them). Screening after
    every single report would cost one screen per line; once per step is what
    a live node does, and the closest-distance interpolation covers between.
    ``on_step`` is told how many states each step consumed, for progress bars.
    """
    tracker = EncounterTracker(thresholds, all_traffic=all_traffic, parties=parties)
    batch: list[TrackState] = []
    window_end: float | None = None
    for state in states:
        if window_end is None:
            window_end = state.t + step_s
        if state.t >= window_end:
            tracker.update(batch, now_s=batch[-1].t)
            if on_step is not None:
                on_step(len(batch))
            batch = []
            while state.t >= window_end:
                window_end += step_s
        batch.append(state)
    if batch:
        tracker.update(batch, now_s=batch[-1].t)
        if on_step is not None:
            on_step(len(batch))
    return tracker.encounters()
