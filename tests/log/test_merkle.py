"""RFC 6962 hashing, proof generation and verification: properties and reasons."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.errors import ProofError
from detente.log import merkle

MAX_LEAVES = 70


def _leaves(n: int) -> list[bytes]:
    # Distinct leaves: a tampered proof must not pass by two leaves colliding.
    return [merkle.leaf_hash(b"entry %d" % i) for i in range(n)]


LEAVES = _leaves(MAX_LEAVES)


def _mth(hashes: list[bytes]) -> bytes:
    """MTH exactly as RFC 6962 section 2.1 writes it, recursively."""
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = merkle.largest_power_of_two_below(len(hashes))
    return merkle.node_hash(_mth(hashes[:k]), _mth(hashes[k:]))


def _flip(value: bytes, bit: int) -> bytes:
    bit %= 8 * len(value)
    out = bytearray(value)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def test_leaf_and_node_hash_use_domain_prefixes() -> None:
    assert merkle.leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert merkle.node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()
    assert merkle.leaf_hash(b"\x01ab") != merkle.node_hash(b"a", b"b")


@pytest.mark.parametrize(("n", "k"), [(2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8), (1025, 1024)])
def test_largest_power_of_two_below_is_the_rfc_split(n: int, k: int) -> None:
    assert merkle.largest_power_of_two_below(n) == k


def test_root_from_leaf_hashes_equals_recursive_mth_for_every_small_size() -> None:
    for n in range(MAX_LEAVES + 1):
        assert merkle.root_from_leaf_hashes(LEAVES[:n]) == _mth(LEAVES[:n])


def test_root_from_leaf_hashes_of_nothing_is_empty_root() -> None:
    assert merkle.root_from_leaf_hashes([]) == merkle.EMPTY_ROOT


def test_inclusion_proof_of_single_leaf_is_empty() -> None:
    assert merkle.inclusion_proof(0, LEAVES[:1]) == []
    merkle.verify_inclusion(0, 1, LEAVES[0], [], LEAVES[0])


def test_inclusion_proof_rfc_example_tree_of_seven() -> None:
    """RFC 6962 section 2.1.3: the path for leaf d in a tree of 7 is [c, g, l]."""
    h = LEAVES[:7]
    g = merkle.node_hash(h[0], h[1])
    l_ = merkle.node_hash(merkle.node_hash(h[4], h[5]), h[6])
    assert merkle.inclusion_proof(3, h) == [h[2], g, l_]


def test_consistency_proof_rfc_example_tree_of_seven() -> None:
    """RFC 6962 section 2.1.4: PROOF(3, D[7]) = [c, d, g, l]."""
    h = LEAVES[:7]
    g = merkle.node_hash(h[0], h[1])
    l_ = merkle.node_hash(merkle.node_hash(h[4], h[5]), h[6])
    assert merkle.consistency_proof(3, h) == [h[2], h[3], g, l_]
    assert merkle.consistency_proof(4, h) == [l_]
    assert merkle.consistency_proof(6, h) == [merkle.node_hash(h[4], h[5]), h[6], _mth(h[:4])]


def test_every_small_proof_verifies() -> None:
    for n in range(1, 34):
        root = _mth(LEAVES[:n])
        for i in range(n):
            merkle.verify_inclusion(i, n, LEAVES[i], merkle.inclusion_proof(i, LEAVES[:n]), root)
        for m in range(1, n + 1):
            proof = merkle.consistency_proof(m, LEAVES[:n])
            merkle.verify_consistency(m, n, _mth(LEAVES[:m]), root, proof)


@st.composite
def _inclusion_case(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(st.integers(1, MAX_LEAVES))
    return draw(st.integers(0, size - 1)), size


@st.composite
def _consistency_case(draw: st.DrawFn) -> tuple[int, int]:
    new_size = draw(st.integers(1, MAX_LEAVES))
    return draw(st.integers(1, new_size)), new_size


def _check_inclusion_fails(
    index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes
) -> ProofError:
    with pytest.raises(ProofError) as caught:
        merkle.verify_inclusion(index, size, leaf, proof, root)
    return caught.value


@settings(max_examples=150, deadline=None)
@given(_inclusion_case(), st.integers(0, 10_000))
def test_inclusion_proof_verifies_and_tampering_fails(case: tuple[int, int], bit: int) -> None:
    index, size = case
    proof = merkle.inclusion_proof(index, LEAVES[:size])
    root = merkle.root_from_leaf_hashes(LEAVES[:size])
    leaf = LEAVES[index]
    merkle.verify_inclusion(index, size, leaf, proof, root)

    _check_inclusion_fails(index, size, _flip(leaf, bit), proof, root)
    _check_inclusion_fails(index, size, leaf, proof, _flip(root, bit))
    _check_inclusion_fails(index, size, leaf, [*proof, LEAVES[0]], root)
    if proof:
        at = bit % len(proof)
        tampered = [*proof[:at], _flip(proof[at], bit), *proof[at + 1 :]]
        _check_inclusion_fails(index, size, leaf, tampered, root)
        _check_inclusion_fails(index, size, leaf, proof[:at] + proof[at + 1 :], root)
    for other in {index - 1, index + 1, index ^ 2, index + size}:
        if other >= 0 and other != index:
            _check_inclusion_fails(other, size, leaf, proof, root)
    # Another size is another checkpoint, with its own root.
    for other_size in {size - 1, size + 1, 2 * size, size // 2}:
        if index < other_size <= MAX_LEAVES and other_size != size:
            other_root = merkle.root_from_leaf_hashes(LEAVES[:other_size])
            _check_inclusion_fails(index, other_size, leaf, proof, other_root)


@settings(max_examples=150, deadline=None)
@given(_consistency_case(), st.integers(0, 10_000))
def test_consistency_proof_verifies_and_tampering_fails(case: tuple[int, int], bit: int) -> None:
    old_size, new_size = case
    proof = merkle.consistency_proof(old_size, LEAVES[:new_size])
    old_root = merkle.root_from_leaf_hashes(LEAVES[:old_size])
    new_root = merkle.root_from_leaf_hashes(LEAVES[:new_size])
    merkle.verify_consistency(old_size, new_size, old_root, new_root, proof)

    def fails(m: int, n: int, r1: bytes, r2: bytes, p: list[bytes]) -> None:
        with pytest.raises(ProofError):
            merkle.verify_consistency(m, n, r1, r2, p)

    fails(old_size, new_size, _flip(old_root, bit), new_root, proof)
    fails(old_size, new_size, old_root, _flip(new_root, bit), proof)
    if old_root != new_root:
        fails(old_size, new_size, new_root, old_root, proof)
    fails(old_size, new_size, old_root, new_root, [*proof, LEAVES[0]])
    if proof:
        at = bit % len(proof)
        fails(old_size, new_size, old_root, new_root, proof[:at] + proof[at + 1 :])
        tampered = [*proof[:at], _flip(proof[at], bit), *proof[at + 1 :]]
        fails(old_size, new_size, old_root, new_root, tampered)
    for m in {old_size - 1, old_size + 1}:
        if 1 <= m <= new_size and m != old_size:
            fails(m, new_size, merkle.root_from_leaf_hashes(LEAVES[:m]), new_root, proof)
    for n in {new_size - 1, new_size + 1}:
        if old_size <= n <= MAX_LEAVES and n != new_size:
            fails(old_size, n, old_root, merkle.root_from_leaf_hashes(LEAVES[:n]), proof)


def test_verify_inclusion_names_a_short_proof() -> None:
    proof = merkle.inclusion_proof(2, LEAVES[:8])
    root = merkle.root_from_leaf_hashes(LEAVES[:8])
    err = _check_inclusion_fails(2, 8, LEAVES[2], proof[:2], root)
    assert (err.field, err.reason) == ("proof", "proof has 2 hashes, expected 3")


def test_verify_inclusion_names_an_index_beyond_the_tree() -> None:
    err = _check_inclusion_fails(9, 8, LEAVES[0], [], LEAVES[0])
    assert (err.field, err.reason) == ("index", "index 9 is beyond tree size 8")


def test_verify_inclusion_names_a_negative_index() -> None:
    err = _check_inclusion_fails(-1, 8, LEAVES[0], [], LEAVES[0])
    assert err.field == "index"


def test_verify_inclusion_names_a_root_mismatch() -> None:
    proof = merkle.inclusion_proof(2, LEAVES[:8])
    err = _check_inclusion_fails(2, 8, LEAVES[2], proof, LEAVES[0])
    assert err.field == "root"
    assert err.reason.startswith("root mismatch")


def test_verify_inclusion_names_a_proof_hash_of_the_wrong_length() -> None:
    proof = merkle.inclusion_proof(2, LEAVES[:8])
    root = merkle.root_from_leaf_hashes(LEAVES[:8])
    err = _check_inclusion_fails(2, 8, LEAVES[2], [proof[0], proof[1] + b"\x00", proof[2]], root)
    assert (err.field, err.reason) == ("proof[1]", "is 33 bytes, expected 32")


def test_verify_inclusion_rejects_a_truncated_leaf_hash() -> None:
    err = _check_inclusion_fails(0, 1, LEAVES[0][:31], [], LEAVES[0])
    assert err.field == "leaf_hash"


def test_verify_consistency_names_a_long_proof() -> None:
    proof = merkle.consistency_proof(3, LEAVES[:7])
    with pytest.raises(ProofError, match="proof has 5 hashes, expected 4"):
        merkle.verify_consistency(3, 7, _mth(LEAVES[:3]), _mth(LEAVES[:7]), [*proof, proof[0]])


def test_verify_consistency_names_the_old_root_mismatch() -> None:
    proof = merkle.consistency_proof(3, LEAVES[:7])
    with pytest.raises(ProofError) as caught:
        merkle.verify_consistency(3, 7, _mth(LEAVES[:2]), _mth(LEAVES[:7]), proof)
    assert caught.value.field == "old_root"


def test_verify_consistency_names_the_new_root_mismatch() -> None:
    proof = merkle.consistency_proof(3, LEAVES[:7])
    with pytest.raises(ProofError) as caught:
        merkle.verify_consistency(3, 7, _mth(LEAVES[:3]), _mth(LEAVES[:6]), proof)
    assert caught.value.field == "new_root"


def test_verify_consistency_rejects_shrinking() -> None:
    with pytest.raises(ProofError, match="old size 5 is beyond new size 4"):
        merkle.verify_consistency(5, 4, LEAVES[0], LEAVES[1], [])


def test_verify_consistency_of_equal_sizes_needs_equal_roots_and_no_proof() -> None:
    root = _mth(LEAVES[:5])
    merkle.verify_consistency(5, 5, root, root, [])
    with pytest.raises(ProofError, match="root mismatch"):
        merkle.verify_consistency(5, 5, root, _mth(LEAVES[:4]), [])
    with pytest.raises(ProofError, match="expected 0"):
        merkle.verify_consistency(5, 5, root, root, [root])


def test_verify_consistency_of_empty_trees_needs_the_empty_root() -> None:
    merkle.verify_consistency(0, 0, merkle.EMPTY_ROOT, merkle.EMPTY_ROOT, [])
    with pytest.raises(ProofError) as caught:
        merkle.verify_consistency(0, 0, LEAVES[0], LEAVES[0], [])
    assert caught.value.field == "old_root"


def test_verify_consistency_from_the_empty_tree_is_refused() -> None:
    with pytest.raises(ProofError) as caught:
        merkle.verify_consistency(0, 3, merkle.EMPTY_ROOT, _mth(LEAVES[:3]), [])
    assert caught.value.field == "old_size"


def test_consistency_proof_of_equal_sizes_is_empty() -> None:
    assert merkle.consistency_proof(4, LEAVES[:4]) == []
    assert merkle.consistency_proof(0, []) == []


def test_consistency_proof_from_the_empty_tree_is_refused() -> None:
    with pytest.raises(ProofError) as caught:
        merkle.consistency_proof(0, LEAVES[:3])
    assert caught.value.field == "old_size"


def test_consistency_proof_refuses_an_old_size_beyond_the_tree() -> None:
    with pytest.raises(ProofError, match="old size 4 is beyond new size 3"):
        merkle.consistency_proof(4, LEAVES[:3])


def test_inclusion_proof_refuses_an_index_beyond_the_tree() -> None:
    with pytest.raises(ProofError, match="index 3 is beyond tree size 3"):
        merkle.inclusion_proof(3, LEAVES[:3])
    with pytest.raises(ProofError, match="index -1 is negative"):
        merkle.inclusion_proof(-1, LEAVES[:3])


def test_consistency_proof_refuses_a_negative_old_size() -> None:
    with pytest.raises(ProofError, match="old size -1 is negative"):
        merkle.consistency_proof(-1, LEAVES[:3])


def test_inclusion_proof_size_matches_generated_proof_length() -> None:
    for n in range(1, MAX_LEAVES + 1):
        for i in range(n):
            inner, border = merkle.inclusion_proof_size(i, n)
            assert inner + border == len(merkle.inclusion_proof(i, LEAVES[:n]))
