"""A live index of notified volumes: which ones a new notice, or each other, conflict with.

Areas go into a shapely STRtree; time windows and altitude bands are filtered
as numpy intervals on the tree's candidates, and only the few survivors get
the exact overlap test. An STRtree cannot change once built, so the index is a
*static* tree plus a small *delta* of recent additions searched by brute
force, and removals are tombstones. Past ``rebuild_at`` pending changes the
tree is rebuilt from the live volumes, so adding or cancelling one notice
costs microseconds and a rebuild happens once per batch, not per notice.

This module must never read entries, files or clocks; the node feeds it
volumes by activity key and asks it questions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import shapely
from shapely import STRtree

from detente.deconflict.conflict import (
    NO_BUFFER,
    ActivityKey,
    Conflict,
    ConflictBuffer,
    Prepared,
    overlaps,
    widen_bounds,
)
from detente.deconflict.footprint import shift
from detente.deconflict.volume import Volume
from detente.types import BoolArray, FloatArray, IntArray

_COLUMNS = ("minx", "miny", "maxx", "maxy", "lower", "upper", "start", "end")
_ROW = {name: row for row, name in enumerate(_COLUMNS)}


class _Columns:
    """Numbers of every slot in growable numpy arrays, written in place.

    Adding or cancelling a notice touches a few cells; nothing copies the
    100,000 rows except the doubling growth and the compaction at rebuild.
    """

    def __init__(self) -> None:
        self.size = 0
        self.values: FloatArray = np.zeros((len(_COLUMNS), 1024), dtype=np.float64)
        self.party: IntArray = np.zeros(1024, dtype=np.int64)
        self.alive: BoolArray = np.zeros(1024, dtype=np.bool_)

    def append(self, prepared: Prepared, party: int) -> None:
        if self.size == self.party.size:
            grow = self.party.size
            self.values = np.concatenate([self.values, np.zeros_like(self.values)], axis=1)
            self.party = np.concatenate([self.party, np.zeros(grow, dtype=np.int64)])
            self.alive = np.concatenate([self.alive, np.zeros(grow, dtype=np.bool_)])
        minx, miny, maxx, maxy = prepared.bounds
        row = (minx, miny, maxx, maxy, prepared.lower_m, prepared.upper_m)
        self.values[:, self.size] = (*row, prepared.start_s, prepared.end_s)
        self.party[self.size] = party
        self.alive[self.size] = True
        self.size += 1

    def column(self, name: str) -> FloatArray:
        return self.values[_ROW[name], : self.size]

    def keep(self, live: IntArray) -> None:
        count = live.size
        self.values[:, :count] = self.values[:, live]
        self.party[:count] = self.party[live]
        self.alive[:count] = True
        self.alive[count : self.size] = False
        self.size = count


class ActivityIndex:
    """Volumes by activity key, ready for conflict checks between different parties."""

    def __init__(self, buffer: ConflictBuffer = NO_BUFFER, *, rebuild_at: int = 512) -> None:
        self.buffer = buffer
        self.rebuild_at = rebuild_at
        self._prepared: list[Prepared] = []
        self._owner: list[tuple[ActivityKey, int]] = []
        self._cols = _Columns()
        self._party_codes: dict[str, int] = {}
        self._by_key: dict[ActivityKey, list[int]] = {}
        self._tree: STRtree | None = None
        self._tree_size = 0
        self._dead = 0
        self._max_x = -180.0

    def __len__(self) -> int:
        """How many live volumes the index holds."""
        return len(self._prepared) - self._dead

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def keys(self) -> list[ActivityKey]:
        return list(self._by_key)

    def add(self, key: ActivityKey, volumes: Sequence[Volume | Prepared]) -> None:
        """Index an activity's volumes; a key already present is replaced (an update)."""
        if key in self._by_key:
            self.remove(key)
        code = self._party_codes.setdefault(key.party, len(self._party_codes))
        slots = []
        for number, volume in enumerate(volumes):
            prepared = volume if isinstance(volume, Prepared) else Prepared.of(volume)
            slots.append(len(self._prepared))
            self._prepared.append(prepared)
            self._owner.append((key, number))
            self._cols.append(prepared, code)
            self._max_x = max(self._max_x, prepared.bounds[2])
        self._by_key[key] = slots
        if len(self._prepared) - self._tree_size > self.rebuild_at:
            self._rebuild()

    def add_many(self, items: Iterable[tuple[ActivityKey, Sequence[Volume | Prepared]]]) -> None:
        """Index many activities with one tree build at the end and circles solved in batch."""
        items = list(items)
        raw = [v for _, volumes in items for v in volumes if not isinstance(v, Prepared)]
        ready = iter(Prepared.many(raw))
        threshold, self.rebuild_at = self.rebuild_at, 1 << 62
        try:
            for key, volumes in items:
                self.add(key, [v if isinstance(v, Prepared) else next(ready) for v in volumes])
        finally:
            self.rebuild_at = threshold
        self._rebuild()

    def remove(self, key: ActivityKey) -> bool:
        """Forget an activity (cancelled or expired); ``False`` if it was not indexed."""
        slots = self._by_key.pop(key, None)
        if slots is None:
            return False
        self._cols.alive[slots] = False
        self._dead += len(slots)
        if self._dead > max(self.rebuild_at, len(self._prepared) // 4):
            self._rebuild()
        return True

    def expire(self, now_s: float) -> list[ActivityKey]:
        """Forget activities whose every window ended by ``now_s`` (the node passes its clock)."""
        ended = [
            key
            for key, slots in self._by_key.items()
            if all(self._prepared[slot].end_s <= now_s for slot in slots)
        ]
        for key in ended:
            self.remove(key)
        return ended

    def volumes(self, key: ActivityKey) -> list[Prepared]:
        return [self._prepared[slot] for slot in self._by_key.get(key, [])]

    def check(
        self,
        volumes: Sequence[Volume | Prepared],
        *,
        exclude_party: str | None = None,
        key: ActivityKey | None = None,
    ) -> list[Conflict]:
        """Conflicts of a proposed notice with every indexed volume not of ``exclude_party``."""
        found: list[Conflict] = []
        skip = self._party_codes.get(exclude_party, -1) if exclude_party is not None else -1
        for number, volume in enumerate(volumes):
            query = volume if isinstance(volume, Prepared) else Prepared.of(volume)
            slots = self._candidates(query, skip_party=skip)
            shared = overlaps([query] * len(slots), [self._prepared[s] for s in slots], self.buffer)
            for slot, found_overlap in zip(slots, shared, strict=True):
                if found_overlap is not None:
                    owner, owner_volume = self._owner[slot]
                    found.append(Conflict(key, number, owner, owner_volume, found_overlap))
        return found

    def near(
        self, bounds: tuple[float, float, float, float]
    ) -> list[tuple[ActivityKey, int, Prepared]]:
        """Live volumes whose boxes meet a canonical lon/lat box (for incursion checks)."""
        slots = self._box_candidates(bounds)
        return [(*self._owner[s], self._prepared[s]) for s in slots]

    def all_pairs(self) -> list[Conflict]:
        """Every conflicting pair of volumes of different parties, each pair once."""
        self._rebuild()
        if self._tree is None or len(self) == 0:
            return []
        if self.buffer.space_m > 0.0:
            boxes = np.array(
                [shapely.box(*widen_bounds(p.bounds, self.buffer.space_m)) for p in self._prepared]
            )
        else:
            # Without a buffer the areas are their own query boxes (the tree uses envelopes).
            boxes = self._tree.geometries
        left, right = self._tree.query(boxes)
        box_bounds = shapely.bounds(boxes)
        for dlon, over in ((-360.0, box_bounds[:, 2] > 180.0), (360.0, box_bounds[:, 0] < -180.0)):
            # Boxes past the antimeridian meet their neighbours one turn away.
            wide = np.flatnonzero(over)
            if wide.size:
                more_left, more_right = self._tree.query(shift(boxes[wide], dlon))
                left = np.concatenate([left, wide[more_left]])
                right = np.concatenate([right, more_right])
        first, second = np.minimum(left, right), np.maximum(left, right)
        codes = np.unique(first[first < second] * len(self._prepared) + second[first < second])
        left, right = codes // len(self._prepared), codes % len(self._prepared)
        keep = self._interval_mask(left, right)
        pairs = list(zip(left[keep].tolist(), right[keep].tolist(), strict=True))
        shared = overlaps(
            [self._prepared[i] for i, _ in pairs],
            [self._prepared[j] for _, j in pairs],
            self.buffer,
        )
        found = []
        for (i, j), found_overlap in zip(pairs, shared, strict=True):
            if found_overlap is not None:
                a_key, a_volume = self._owner[i]
                b_key, b_volume = self._owner[j]
                found.append(Conflict(a_key, a_volume, b_key, b_volume, found_overlap))
        return found

    def _interval_mask(self, left: IntArray, right: IntArray) -> BoolArray:
        """Different parties, both alive, windows and bands overlapping: the cheap filters."""
        cols, col = self._cols, self._cols.column
        mask: BoolArray = cols.party[left] != cols.party[right]
        mask &= cols.alive[left] & cols.alive[right]
        start, end, lower, upper = col("start"), col("end"), col("lower"), col("upper")
        mask &= _windows(start[left], end[left], start[right], end[right], self.buffer.time_s)
        mask &= _bands(lower[left], upper[left], lower[right], upper[right], self.buffer.space_m)
        return mask

    def _candidates(self, query: Prepared, *, skip_party: int) -> list[int]:
        slots = np.asarray(
            self._box_candidates(widen_bounds(query.bounds, self.buffer.space_m)), dtype=np.int64
        )
        if slots.size == 0:
            return []
        col = self._cols.column
        mask = self._cols.party[slots] != skip_party
        mask &= _windows(
            np.full(slots.size, query.start_s),
            np.full(slots.size, query.end_s),
            col("start")[slots],
            col("end")[slots],
            self.buffer.time_s,
        )
        mask &= _bands(
            np.full(slots.size, query.lower_m),
            np.full(slots.size, query.upper_m),
            col("lower")[slots],
            col("upper")[slots],
            self.buffer.space_m,
        )
        return [int(s) for s in slots[mask]]

    def _box_candidates(self, bounds: tuple[float, float, float, float]) -> list[int]:
        """Live slots whose boxes meet ``bounds`` under any whole-turn longitude shift."""
        col = self._cols.column
        minx, miny, maxx, maxy = bounds
        found: list[IntArray] = []
        for dlon in (0.0, -360.0, 360.0):
            lo, hi = minx + dlon, maxx + dlon
            if hi < -180.0 or lo > self._max_x:
                continue
            if self._tree is not None:
                found.append(self._tree.query(shapely.box(lo, miny, hi, maxy)))
            if self._cols.size > self._tree_size:
                d = slice(self._tree_size, self._cols.size)
                hit = (col("minx")[d] <= hi) & (col("maxx")[d] >= lo)
                hit &= (col("miny")[d] <= maxy) & (col("maxy")[d] >= miny)
                found.append(np.flatnonzero(hit) + self._tree_size)
        if not found:
            return []
        slots = np.unique(np.concatenate(found))
        return [int(s) for s in slots[self._cols.alive[slots]]]

    def _rebuild(self) -> None:
        """Compact away tombstones and build one tree over every live volume."""
        compacted = self._dead > 0
        if compacted:
            live = np.flatnonzero(self._cols.alive[: self._cols.size])
            self._prepared = [self._prepared[s] for s in live.tolist()]
            self._owner = [self._owner[s] for s in live.tolist()]
            self._cols.keep(live)
            self._by_key = {}
            for slot, (key, _) in enumerate(self._owner):
                self._by_key.setdefault(key, []).append(slot)
            self._dead = 0
        self._max_x = float(self._cols.column("maxx").max(initial=-180.0))
        if not self._prepared:
            self._tree = None
        elif compacted or self._tree is None or self._tree_size != len(self._prepared):
            self._tree = STRtree([p.geometry for p in self._prepared])
        self._tree_size = len(self._prepared)


def _windows(
    a_start: FloatArray, a_end: FloatArray, b_start: FloatArray, b_end: FloatArray, time_s: float
) -> BoolArray:
    result: BoolArray = np.minimum(a_end, b_end) - np.maximum(a_start, b_start) + time_s > 0.0
    return result


def _bands(
    a_lo: FloatArray, a_hi: FloatArray, b_lo: FloatArray, b_hi: FloatArray, space_m: float
) -> BoolArray:
    """The array twin of ``conflict.bands_overlap``, surface rule included."""
    ok: BoolArray = np.minimum(a_hi, b_hi) - np.maximum(a_lo, b_lo) + space_m > 0.0
    a_flat, b_flat = a_lo == a_hi, b_lo == b_hi
    ok |= a_flat & b_flat & (a_lo == b_lo)
    ok |= a_flat & ~b_flat & (b_lo <= a_lo) & (a_lo < b_hi)
    ok |= ~a_flat & b_flat & (a_lo <= b_lo) & (b_lo < a_hi)
    return ok


def index_of(
    items: Iterable[tuple[ActivityKey, Sequence[Volume | Prepared]]],
    buffer: ConflictBuffer = NO_BUFFER,
) -> ActivityIndex:
    """An index built in one go, e.g. from a file or at node start."""
    index = ActivityIndex(buffer)
    index.add_many(items)
    return index
