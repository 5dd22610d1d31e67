"""Past track states for the map's replay: thinned on the way in, pruned behind the replay.

``tracks`` keeps only each track's latest state; a replay at an earlier instant
needs where each unit was then. Feeds can deliver tens of thousands of states a
second, so the history keeps at most one state per track per ``EVERY_S`` (a
ship or aircraft moves little in ten seconds at map scale) and nothing older
than ``KEEP_S``: its size is bounded by the number of tracks, not by the feed
rate. A replay at ``t`` shows, per track, the newest state at or before ``t``
and no older than ``MAX_AGE_S`` (a unit that stopped reporting leaves the map).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence

from sqlalchemy import Connection, Executable, and_, bindparam, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from detente.deconflict.track import TrackState
from detente.errors import ValidationError
from detente.store.schema import track_history
from detente.store.tracks import state_of, state_row

EVERY_S = 10.0
"""At most one kept state per track per this many seconds."""

MAX_AGE_S = 600.0
"""A replay shows a track only if it reported within this long before the instant."""

KEEP_S = 2 * 3600.0 + MAX_AGE_S + 300.0
"""Retention: the map's replay span (two hours back from now), plus ``MAX_AGE_S`` so
its earliest instant still finds states, plus a margin for pruning once a minute."""

PRUNE_EVERY_S = 60.0
"""Pruning deletes through the index on ``t``; once a minute keeps it off the hot path."""

_LOOKUP_CHUNK = 500
# Tracks per IN list when reading what was kept; well under SQLite's variable limit.

_h = track_history

# Statements built once: they run for every batch (see store/logs.py for why).
# A state the table already has is skipped, not an error: a second writer (another
# worker holding the duties for a while) may have stored it, and one duplicate must not
# roll back the batch's latest states with it.
_INSERTS: dict[str, Executable] = {
    "sqlite": sqlite_insert(_h).on_conflict_do_nothing(),
    "postgresql": pg_insert(_h).on_conflict_do_nothing(),
}
_INSERT = insert(_h)
_PRUNE = delete(_h).where(_h.c.t < bindparam("before_t"))
_NEWEST_KEPT = (
    select(_h.c.track, func.max(_h.c.t).label("t"))
    .where(_h.c.track.in_(bindparam("tracks", expanding=True)))
    .group_by(_h.c.track)
)
_NEWEST_IN_WINDOW = (
    select(_h.c.track, func.max(_h.c.t).label("t"))
    .where(_h.c.t <= bindparam("at_t"), _h.c.t >= bindparam("since_t"))
    .group_by(_h.c.track)
    .subquery("newest")
)
_STATES_AT = (
    select(_h)
    .join(
        _NEWEST_IN_WINDOW,
        and_(_h.c.track == _NEWEST_IN_WINDOW.c.track, _h.c.t == _NEWEST_IN_WINDOW.c.t),
    )
    .order_by(_h.c.t.desc(), _h.c.track)
    .limit(bindparam("limit"))
)


def thin(states: Iterable[TrackState], kept: dict[str, float], every_s: float) -> list[TrackState]:
    """The states to store, given ``kept`` (newest kept time per track, updated in place).

    A state is kept only ``every_s`` after its track's last kept one, so kept times of
    a track rise by at least ``every_s`` whatever order states arrive in; a late state
    (older than what was kept) is dropped rather than filling a gap.
    """
    out: list[TrackState] = []
    for state in states:
        last = kept.get(state.track)
        if last is None or state.t >= last + every_s:
            kept[state.track] = state.t
            out.append(state)
    return out


def newest_kept(conn: Connection, track_ids: Collection[str]) -> dict[str, float]:
    """The newest stored time of each of ``track_ids`` that has any history."""
    ids = list(track_ids)
    out: dict[str, float] = {}
    for start in range(0, len(ids), _LOOKUP_CHUNK):
        rows = conn.execute(_NEWEST_KEPT, {"tracks": ids[start : start + _LOOKUP_CHUNK]})
        out.update((track, float(t)) for track, t in rows)
    return out


def append(
    conn: Connection,
    states: Sequence[TrackState],
    kept: dict[str, float],
    *,
    every_s: float = EVERY_S,
) -> int:
    """Store the states ``thin`` keeps; tracks missing from ``kept`` are read first.

    Reading only unknown tracks makes a restart (or a second writer taking over)
    continue the thinning where the table stands instead of starting it afresh.
    """
    if every_s <= 0 or not math.isfinite(every_s):
        raise ValidationError("must be a positive number of seconds", field="every_s")
    unknown = {s.track for s in states} - kept.keys()
    if unknown:
        kept.update(newest_kept(conn, unknown))
    keep = thin(states, kept, every_s)
    if keep:
        conn.execute(_INSERTS.get(conn.dialect.name, _INSERT), [state_row(s) for s in keep])
    return len(keep)


def prune(conn: Connection, before_t: float) -> int:
    """Delete states older than ``before_t``; returns how many went."""
    return int(conn.execute(_PRUNE, {"before_t": before_t}).rowcount or 0)


def states_at(
    conn: Connection, t: float, *, max_age_s: float = MAX_AGE_S, limit: int = 20_000
) -> list[TrackState]:
    """Per track, the newest state with ``t - max_age_s <= state.t <= t``; newest first.

    A GROUP BY subquery joined back on (track, t), the primary key, reads the same on
    SQLite and PostgreSQL; the joined time is the stored value itself, so the float
    equality is exact.
    """
    if max_age_s < 0 or not math.isfinite(max_age_s):
        raise ValidationError("must be a non-negative number of seconds", field="max_age_s")
    rows = conn.execute(_STATES_AT, {"at_t": t, "since_t": t - max_age_s, "limit": limit})
    return [state_of(r) for r in rows]


class HistoryWriter:
    """One writer's memory of what it kept, so a batch costs one insert and no read.

    Belongs to whoever writes the history (the node's encounter watch). Call
    ``write`` inside the transaction that stores the batch; if that transaction
    rolls back, call ``forget``: the memory would otherwise hold times the table
    does not.
    """

    def __init__(
        self,
        *,
        every_s: float = EVERY_S,
        keep_s: float = KEEP_S,
        prune_every_s: float = PRUNE_EVERY_S,
    ) -> None:
        for name, value in (
            ("every_s", every_s),
            ("keep_s", keep_s),
            ("prune_every_s", prune_every_s),
        ):
            if value <= 0 or not math.isfinite(value):
                raise ValidationError("must be a positive number of seconds", field=name)
        self.every_s = every_s
        self.keep_s = keep_s
        self.prune_every_s = prune_every_s
        self._kept: dict[str, float] = {}
        self._pruned_t = -math.inf

    def write(self, conn: Connection, states: Sequence[TrackState], now_t: float) -> int:
        """Append the batch thinned, and prune if a minute has passed; returns rows kept.

        States already older than the retention are not written only to be pruned
        (a feed replaying an old recording would otherwise churn the table).
        """
        cutoff = now_t - self.keep_s
        fresh = [s for s in states if s.t >= cutoff]
        kept = append(conn, fresh, self._kept, every_s=self.every_s)
        if now_t - self._pruned_t >= self.prune_every_s:
            prune(conn, cutoff)
            # Tracks silent since the cutoff have no rows left: forget them too, so the
            # memory stays bounded by the tracks seen within the retention.
            self._kept = {track: t for track, t in self._kept.items() if t >= cutoff}
            self._pruned_t = now_t
        return kept

    def forget(self) -> None:
        """Drop the memory; the next batch reads what the table really holds."""
        self._kept = {}
        self._pruned_t = -math.inf
