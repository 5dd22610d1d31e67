"""An indexed Merkle tree: many roots and proofs, at any past size, quickly.

Evidence bundles and peers ask for inclusion and consistency proofs against
checkpoints of many sizes over logs of 100,000 entries and more. Rebuilding
subtrees per proof (as the reference in ``detente.log.merkle`` does) costs
O(n) each; here the hashes of every perfect, aligned subtree are built once
in O(n), and each answer then takes O(log n) lookups.

Why that suffices: in the RFC 6962 tree of any size, every node is either a
perfect subtree at an aligned position (the same whatever the size) or a
suffix [start, size) on the tree's right border. The border hashes of one
size are O(log n) and are kept for the sizes asked about most recently.

Results are tested equal to ``detente.log.merkle``. This module never does
I/O and never verifies anything: verification stays in ``merkle``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from detente.errors import ProofError, ValidationError
from detente.log.merkle import EMPTY_ROOT, HASH_SIZE, largest_power_of_two_below, node_hash

_BORDER_CACHE_SIZES: Final = 64
"""How many sizes' right-border hashes to keep; proofs come in runs per size."""


class MerkleTree:
    """The RFC 6962 tree over a fixed list of leaf hashes, and all its prefixes."""

    __slots__ = ("_borders", "_levels")

    def __init__(self, leaf_hashes: Sequence[bytes]) -> None:
        """Hash every perfect aligned subtree once: n - 1 node hashes in all."""
        for i, h in enumerate(leaf_hashes):
            if len(h) != HASH_SIZE:
                raise ValidationError(
                    f"is {len(h)} bytes, expected {HASH_SIZE}", field=f"leaf_hashes[{i}]"
                )
        levels = [list(leaf_hashes)]
        while len(levels[-1]) >= 2:
            below = levels[-1]
            levels.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])
        self._levels = levels
        self._borders: dict[int, dict[int, bytes]] = {}

    @property
    def size(self) -> int:
        """Number of leaves held: the largest size this tree answers for."""
        return len(self._levels[0])

    def __len__(self) -> int:
        return self.size

    def leaf_hash(self, index: int) -> bytes:
        """The leaf hash at ``index``."""
        self._check_index(index, self.size)
        return self._levels[0][index]

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first ``size`` leaves (all of them by default)."""
        size = self._resolve_size(size, "size")
        if size == 0:
            return EMPTY_ROOT
        return self._node(0, size, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[size]): equal to ``merkle.inclusion_proof(index, leaves[:size])``."""
        size = self._resolve_size(size, "size")
        self._check_index(index, size)
        proof: list[bytes] = []
        start, end = 0, size
        while end - start > 1:
            k = largest_power_of_two_below(end - start)
            if index < start + k:
                proof.append(self._node(start + k, end, size))
                end = start + k
            else:
                proof.append(self._node(start, start + k, size))
                start += k
        proof.reverse()
        return proof

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """PROOF(old_size, D[new_size]): equal to ``merkle.consistency_proof``.

        Same rules: equal sizes give the empty proof, and an old size of 0
        below a larger new size has no proof at all.
        """
        new_size = self._resolve_size(new_size, "new_size")
        if old_size < 0:
            raise ProofError(f"old size {old_size} is negative", field="old_size")
        if old_size > new_size:
            raise ProofError(f"old size {old_size} is beyond new size {new_size}", field="old_size")
        if old_size == new_size:
            return []
        if old_size == 0:
            raise ProofError("no consistency proof exists from an empty tree", field="old_size")
        # SUBPROOF of RFC 6962 section 2.1.2, unrolled: walk down recording
        # siblings, then reverse, since the RFC lists them from the bottom.
        proof: list[bytes] = []
        start, end, m = 0, new_size, old_size
        complete = True
        while m != end - start:
            k = largest_power_of_two_below(end - start)
            if m <= k:
                proof.append(self._node(start + k, end, new_size))
                end = start + k
            else:
                proof.append(self._node(start, start + k, new_size))
                start += k
                m -= k
                complete = False
        if not complete:
            proof.append(self._node(start, end, new_size))
        proof.reverse()
        return proof

    def _resolve_size(self, size: int | None, field: str) -> int:
        if size is None:
            return self.size
        if size < 0:
            raise ProofError(f"size {size} is negative", field=field)
        if size > self.size:
            raise ProofError(f"size {size} is beyond the {self.size} leaves held", field=field)
        return size

    @staticmethod
    def _check_index(index: int, size: int) -> None:
        if index < 0:
            raise ProofError(f"index {index} is negative", field="index")
        if index >= size:
            raise ProofError(f"index {index} is beyond tree size {size}", field="index")

    def _node(self, start: int, end: int, size: int) -> bytes:
        """Hash of the node covering leaves [start, end) in the tree of ``size``."""
        width = end - start
        if width & (width - 1) == 0:
            level = width.bit_length() - 1
            return self._levels[level][start >> level]
        return self._border(size)[start]

    def _border(self, size: int) -> dict[int, bytes]:
        """Hashes of the suffixes [start, size) that are nodes of the tree of ``size``."""
        border = self._borders.get(size)
        if border is not None:
            return border
        # The perfect subtrees that make up [0, size): one per set bit, largest first.
        parts: list[tuple[int, bytes]] = []
        start = 0
        for level in range(size.bit_length() - 1, -1, -1):
            if size >> level & 1:
                parts.append((start, self._levels[level][start >> level]))
                start += 1 << level
        border = {}
        h = parts[-1][1]
        border[parts[-1][0]] = h
        for part_start, part_hash in reversed(parts[:-1]):
            h = node_hash(part_hash, h)
            border[part_start] = h
        if len(self._borders) >= _BORDER_CACHE_SIZES:
            # Start afresh rather than evict one by one: a swap of dicts is
            # safe if two threads share a tree, and sizes come in runs.
            self._borders = {}
        self._borders[size] = border
        return border
