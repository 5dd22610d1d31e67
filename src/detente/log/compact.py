"""The compact range: a log's Merkle frontier, small enough for one database row.

A log of n entries is, in RFC 6962 terms, a row of perfect subtrees whose
sizes are the set bits of n, largest (leftmost) first. Keeping only their
root hashes (at most 64 of them) lets a node append an entry and compute
the new tree root in O(log n), without reading any earlier entry back.

This module never stores anything and never sees entry bytes: it takes
leaf hashes (``detente.log.merkle.leaf_hash``) and the stored hex list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from detente.errors import ValidationError
from detente.log.merkle import EMPTY_ROOT, HASH_SIZE, node_hash


class CompactRange:
    """The perfect-subtree roots covering leaves [0, size), largest first."""

    __slots__ = ("_hashes", "_size")

    def __init__(self) -> None:
        """An empty log; load a stored one with ``from_hex_list``."""
        self._size = 0
        self._hashes: list[bytes] = []

    @classmethod
    def from_hashes(cls, size: int, hashes: Sequence[bytes]) -> CompactRange:
        """Rebuild from a size and its subtree roots, checking they fit together."""
        if size < 0:
            raise ValidationError(f"size {size} is negative", field="size")
        if len(hashes) != size.bit_count():
            raise ValidationError(
                f"a log of size {size} has {size.bit_count()} subtree hashes, got {len(hashes)}",
                field="hashes",
            )
        for i, h in enumerate(hashes):
            if len(h) != HASH_SIZE:
                raise ValidationError(
                    f"is {len(h)} bytes, expected {HASH_SIZE}", field=f"hashes[{i}]"
                )
        compact = cls()
        compact._size = size
        compact._hashes = list(hashes)
        return compact

    @classmethod
    def from_hex_list(cls, size: int, hashes: Sequence[str]) -> CompactRange:
        """Inverse of ``to_hex_list``: the form kept in a log's head row."""
        raw: list[bytes] = []
        for i, text in enumerate(hashes):
            if not isinstance(text, str) or len(text) != 2 * HASH_SIZE:
                raise ValidationError(
                    f"expected {2 * HASH_SIZE} hex digits, got {text!r:.80}", field=f"hashes[{i}]"
                )
            try:
                raw.append(bytes.fromhex(text))
            except ValueError as exc:
                raise ValidationError(f"not hex: {text!r:.80}", field=f"hashes[{i}]") from exc
        return cls.from_hashes(size, raw)

    @classmethod
    def from_leaf_hashes(cls, leaf_hashes: Iterable[bytes]) -> CompactRange:
        """The frontier of a whole log, appending each leaf in turn."""
        compact = cls()
        for h in leaf_hashes:
            compact.append(h)
        return compact

    @property
    def size(self) -> int:
        """Number of leaves covered."""
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """The subtree roots, largest subtree first."""
        return tuple(self._hashes)

    def to_hex_list(self) -> list[str]:
        """The subtree roots as lower-case hex, for a JSON column."""
        return [h.hex() for h in self._hashes]

    def copy(self) -> CompactRange:
        """An independent frontier, so a caller can try appends and discard them."""
        return CompactRange.from_hashes(self._size, self._hashes)

    def append(self, leaf_hash: bytes) -> None:
        """Add one leaf: merge equal-sized subtrees, as binary addition carries."""
        if len(leaf_hash) != HASH_SIZE:
            raise ValidationError(
                f"is {len(leaf_hash)} bytes, expected {HASH_SIZE}", field="leaf_hash"
            )
        h = leaf_hash
        carry = self._size
        while carry & 1:
            h = node_hash(self._hashes.pop(), h)
            carry >>= 1
        self._hashes.append(h)
        self._size += 1

    def root(self) -> bytes:
        """MTH of the leaves so far: the subtree roots folded from the right."""
        if not self._hashes:
            return EMPTY_ROOT
        h = self._hashes[-1]
        for left in reversed(self._hashes[:-1]):
            h = node_hash(left, h)
        return h

    # Mutable, so equal ranges compare equal but are not hashable.
    __hash__ = None  # type: ignore[assignment]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CompactRange):
            return NotImplemented
        return self._size == other._size and self._hashes == other._hashes

    def __repr__(self) -> str:
        return f"CompactRange(size={self._size}, root={self.root().hex()[:16]}…)"
