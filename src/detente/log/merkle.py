"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verification.

This is the reference: the plain, recursive definitions of the RFCs
(MTH, PATH, PROOF/SUBPROOF) and the RFC 9162 verification algorithms
(section 2.1.3.2 for inclusion, 2.1.4.2 for consistency), over SHA-256.
``detente.log.tree`` and ``detente.log.compact`` are the fast forms for a
growing log; their results are tested equal to the functions here.

Everything is bytes in, bytes out. A verifier raises ``ProofError`` naming
the argument at fault and why, so an operator or a peer can tell a wrong
root from a short proof from a size that does not exist.

This module never does I/O, never reads a log from a store, and never
accepts a hash of the wrong length as a proof component: a proof that does
not verify is an error, never a ``False`` that a caller might ignore.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Final

from detente.errors import ProofError

HASH_SIZE: Final = 32
"""Bytes in one SHA-256 hash: every leaf hash, node hash and root."""

EMPTY_ROOT: Final = hashlib.sha256(b"").digest()
"""MTH({}) = SHA-256 of nothing: the root of a log with no entries."""

_LEAF_PREFIX: Final = b"\x00"
_NODE_PREFIX: Final = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 || data); the prefix keeps a leaf from passing as a node."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def largest_power_of_two_below(n: int) -> int:
    """The split point k of RFC 6962: the largest power of two strictly below n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH of a whole tree, level by level in O(n).

    Pairing nodes level by level and carrying an odd last node up unchanged
    builds exactly the RFC 6962 tree, whose left subtrees are always
    perfect; it avoids recursion depth and slicing costs on large logs.
    """
    if not hashes:
        return EMPTY_ROOT
    level = list(hashes)
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def _subtree_root(hashes: Sequence[bytes], start: int, end: int) -> bytes:
    return root_from_leaf_hashes(hashes[start:end])


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PATH(index, D[n]) of RFC 6962 section 2.1.1, for a tree of len(leaf_hashes)."""
    size = len(leaf_hashes)
    if index < 0:
        raise ProofError(f"index {index} is negative", field="index")
    if index >= size:
        raise ProofError(f"index {index} is beyond tree size {size}", field="index")
    proof: list[bytes] = []
    start, end = 0, size
    # Walk down from the root; each step records the sibling subtree. The
    # RFC lists the path from the leaf up, so the list is reversed at the end.
    while end - start > 1:
        k = largest_power_of_two_below(end - start)
        if index < start + k:
            proof.append(_subtree_root(leaf_hashes, start + k, end))
            end = start + k
        else:
            proof.append(_subtree_root(leaf_hashes, start, start + k))
            start = start + k
    proof.reverse()
    return proof


def consistency_proof(old_size: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PROOF(old_size, D[n]) of RFC 6962 section 2.1.2, for a tree of len(leaf_hashes).

    Equal sizes give the empty proof. An old size of 0 has no proof: RFC
    9162 defines consistency for 0 < m < n only, and ``verify_consistency``
    refuses to check it, so callers treat the empty tree as consistent
    with every tree without asking for a proof.
    """
    size = len(leaf_hashes)
    _check_sizes(old_size, size)
    if old_size == size:
        return []
    if old_size == 0:
        raise ProofError("no consistency proof exists from an empty tree", field="old_size")
    return _subproof(old_size, leaf_hashes, 0, size, complete=True)


def _subproof(
    m: int, hashes: Sequence[bytes], start: int, end: int, *, complete: bool
) -> list[bytes]:
    """SUBPROOF(m, D[start:end], b) of RFC 6962 section 2.1.2."""
    n = end - start
    if m == n:
        return [] if complete else [_subtree_root(hashes, start, end)]
    k = largest_power_of_two_below(n)
    if m <= k:
        return [
            *_subproof(m, hashes, start, start + k, complete=complete),
            _subtree_root(hashes, start + k, end),
        ]
    return [
        *_subproof(m - k, hashes, start + k, end, complete=False),
        _subtree_root(hashes, start, start + k),
    ]


def _check_sizes(old_size: int, new_size: int) -> None:
    if old_size < 0:
        raise ProofError(f"old size {old_size} is negative", field="old_size")
    if new_size < old_size:
        raise ProofError(f"old size {old_size} is beyond new size {new_size}", field="old_size")


def _check_hash(value: bytes, field: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"is {len(value)} bytes, expected {HASH_SIZE}", field=field)


def _check_proof_hashes(proof: Sequence[bytes]) -> None:
    for i, component in enumerate(proof):
        _check_hash(component, f"proof[{i}]")


def inclusion_proof_size(index: int, size: int) -> tuple[int, int]:
    """(inner, border): proof hashes below and on the right border of the tree.

    The inner part is the path up to where the leaf's path and the last
    leaf's path meet; above that every sibling is a left perfect subtree.
    Used to say exactly how long a proof must be before hashing anything.
    """
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    return inner, border


def verify_inclusion(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` sits at ``index`` of the tree of ``size`` with ``root``.

    RFC 9162 section 2.1.3.2, after checking the proof's length so that a
    short or padded proof is named as such rather than as a root mismatch.
    """
    if index < 0:
        raise ProofError(f"index {index} is negative", field="index")
    if index >= size:
        raise ProofError(f"index {index} is beyond tree size {size}", field="index")
    _check_hash(leaf_hash, "leaf_hash")
    _check_hash(root, "root")
    inner, border = inclusion_proof_size(index, size)
    if len(proof) != inner + border:
        raise ProofError(f"proof has {len(proof)} hashes, expected {inner + border}", field="proof")
    _check_proof_hashes(proof)
    fn, sn = index, size - 1
    r = leaf_hash
    for p in proof:
        if sn == 0:  # unreachable after the length check; kept as the RFC states it
            raise ProofError("proof is longer than the path to the root", field="proof")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof is shorter than the path to the root", field="proof")
    if r != root:
        raise ProofError("root mismatch: the proof leads to a different root", field="root")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``new_size`` with ``new_root`` extends the older one.

    RFC 9162 section 2.1.4.2. Equal sizes need an empty proof and equal
    roots (compared as given; for size 0 they must be ``EMPTY_ROOT``). An
    old size of 0 below a larger new size is refused: it proves nothing,
    and RFC 9162 defines no proof for it.
    """
    _check_sizes(old_size, new_size)
    if old_size == new_size:
        if proof:
            raise ProofError(
                f"proof has {len(proof)} hashes, expected 0 for equal sizes", field="proof"
            )
        if old_root != new_root:
            raise ProofError("root mismatch: equal sizes but different roots", field="new_root")
        if old_size == 0 and old_root != EMPTY_ROOT:
            raise ProofError(
                "the root of an empty tree must be SHA-256 of nothing", field="old_root"
            )
        return
    if old_size == 0:
        raise ProofError(
            "consistency with an empty tree proves nothing; no proof is defined", field="old_size"
        )
    _check_hash(old_root, "old_root")
    _check_hash(new_root, "new_root")

    # A perfect old tree is a node of the new tree, so its root is the
    # proof's implicit first hash; otherwise the proof starts with it.
    level = (old_size & -old_size).bit_length() - 1
    old_is_perfect = old_size == 1 << level
    inner, border = inclusion_proof_size((old_size - 1) >> level, ((new_size - 1) >> level) + 1)
    expected = inner + border + (0 if old_is_perfect else 1)
    if len(proof) != expected:
        raise ProofError(f"proof has {len(proof)} hashes, expected {expected}", field="proof")
    _check_proof_hashes(proof)

    path = [old_root, *proof] if old_is_perfect else list(proof)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:  # unreachable after the length check; kept as the RFC states it
            raise ProofError("proof is longer than the path to the root", field="proof")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof is shorter than the path to the root", field="proof")
    if fr != old_root:
        raise ProofError("old root mismatch: the proof leads to a different root", field="old_root")
    if sr != new_root:
        raise ProofError("new root mismatch: the proof leads to a different root", field="new_root")
