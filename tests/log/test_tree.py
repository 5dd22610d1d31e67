"""The indexed tree must answer exactly as the RFC 6962 reference does, at any size."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.errors import ProofError, ValidationError
from detente.log import merkle
from detente.log.compact import CompactRange
from detente.log.tree import MerkleTree

LEAVES = [merkle.leaf_hash(b"entry %d" % i) for i in range(300)]
TREE = MerkleTree(LEAVES)


def test_tree_matches_reference_for_every_proof_up_to_size_40() -> None:
    tree = MerkleTree(LEAVES[:40])
    for n in range(41):
        leaves = LEAVES[:n]
        assert tree.root(n) == merkle.root_from_leaf_hashes(leaves)
        for i in range(n):
            assert tree.inclusion_proof(i, n) == merkle.inclusion_proof(i, leaves)
        for m in range(1, n + 1):
            assert tree.consistency_proof(m, n) == merkle.consistency_proof(m, leaves)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_tree_proofs_equal_reference_and_verify(data: st.DataObject) -> None:
    size = data.draw(st.integers(1, len(LEAVES)), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    old_size = data.draw(st.integers(1, size), label="old_size")
    leaves = LEAVES[:size]
    root = TREE.root(size)
    assert root == merkle.root_from_leaf_hashes(leaves)

    inclusion = TREE.inclusion_proof(index, size)
    assert inclusion == merkle.inclusion_proof(index, leaves)
    merkle.verify_inclusion(index, size, LEAVES[index], inclusion, root)

    consistency = TREE.consistency_proof(old_size, size)
    assert consistency == merkle.consistency_proof(old_size, leaves)
    merkle.verify_consistency(old_size, size, TREE.root(old_size), root, consistency)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.binary(max_size=8), min_size=1, max_size=100), st.data())
def test_tree_over_arbitrary_leaves_matches_reference(
    entries: list[bytes], data: st.DataObject
) -> None:
    """Duplicate and empty entries included: nothing in the index may depend on distinctness."""
    hashes = [merkle.leaf_hash(e) for e in entries]
    tree = MerkleTree(hashes)
    size = data.draw(st.integers(1, len(hashes)))
    index = data.draw(st.integers(0, size - 1))
    assert tree.root(size) == merkle.root_from_leaf_hashes(hashes[:size])
    assert tree.inclusion_proof(index, size) == merkle.inclusion_proof(index, hashes[:size])
    assert tree.consistency_proof(1, size) == merkle.consistency_proof(1, hashes[:size])


def test_tree_defaults_to_its_full_size() -> None:
    assert TREE.size == len(TREE) == 300
    assert TREE.root() == TREE.root(300)
    assert TREE.inclusion_proof(7) == TREE.inclusion_proof(7, 300)
    assert TREE.consistency_proof(100) == TREE.consistency_proof(100, 300)


def test_tree_of_no_leaves_has_the_empty_root() -> None:
    tree = MerkleTree([])
    assert tree.root() == merkle.EMPTY_ROOT
    assert tree.consistency_proof(0) == []


def test_tree_root_of_size_zero_is_the_empty_root() -> None:
    assert TREE.root(0) == merkle.EMPTY_ROOT


def test_tree_leaf_hash_returns_the_leaf() -> None:
    assert TREE.leaf_hash(42) == LEAVES[42]
    with pytest.raises(ProofError, match="index 300 is beyond tree size 300"):
        TREE.leaf_hash(300)


def test_tree_large_log_agrees_with_compact_range_and_verifies() -> None:
    """A log past 2**16 entries, at sizes whose right border has many subtrees."""
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(100_003)]
    tree = MerkleTree(leaves)
    compact = CompactRange()
    checkpoints = {1, 65_535, 65_536, 65_537, 99_999, 100_003}
    for n, h in enumerate(leaves, start=1):
        compact.append(h)
        if n in checkpoints:
            assert tree.root(n) == compact.root()
    root = tree.root()
    for index in (0, 1, 65_535, 65_536, 100_002):
        merkle.verify_inclusion(index, 100_003, leaves[index], tree.inclusion_proof(index), root)
    for old in (1, 3, 65_536, 65_537, 99_999):
        proof = tree.consistency_proof(old)
        merkle.verify_consistency(old, 100_003, tree.root(old), root, proof)
    assert tree.inclusion_proof(99_999, 100_001) == merkle.inclusion_proof(99_999, leaves[:100_001])


def test_tree_answers_for_many_sizes_beyond_its_border_cache() -> None:
    for n in range(1, 300, 3):
        assert TREE.inclusion_proof(n - 1, n) == merkle.inclusion_proof(n - 1, LEAVES[:n])


@pytest.mark.parametrize(
    ("call", "field", "reason"),
    [
        (lambda: TREE.root(301), "size", "size 301 is beyond the 300 leaves held"),
        (lambda: TREE.root(-1), "size", "size -1 is negative"),
        (lambda: TREE.inclusion_proof(5, 5), "index", "index 5 is beyond tree size 5"),
        (lambda: TREE.inclusion_proof(-1, 5), "index", "index -1 is negative"),
        (lambda: TREE.inclusion_proof(0, 301), "size", "size 301 is beyond the 300 leaves held"),
        (lambda: TREE.consistency_proof(6, 5), "old_size", "old size 6 is beyond new size 5"),
        (lambda: TREE.consistency_proof(-1, 5), "old_size", "old size -1 is negative"),
        (lambda: TREE.consistency_proof(0, 5), "old_size", None),
        (lambda: TREE.consistency_proof(1, 301), "new_size", None),
    ],
)
def test_tree_refuses_sizes_it_cannot_answer_for(
    call: Callable[[], object], field: str, reason: str | None
) -> None:
    with pytest.raises(ProofError) as caught:
        call()
    assert caught.value.field == field
    if reason is not None:
        assert caught.value.reason == reason


def test_tree_refuses_a_leaf_hash_of_the_wrong_length() -> None:
    with pytest.raises(ValidationError) as caught:
        MerkleTree([LEAVES[0], b"entry 1"])
    assert caught.value.field == "leaf_hashes[1]"
    assert caught.value.reason == "is 7 bytes, expected 32"
