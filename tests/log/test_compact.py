"""The compact range: the O(log n) frontier must give the RFC 6962 root at every size."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.errors import ValidationError
from detente.log import merkle
from detente.log.compact import CompactRange

LEAVES = [merkle.leaf_hash(b"entry %d" % i) for i in range(301)]


def test_compact_range_root_equals_mth_for_every_size_to_300() -> None:
    compact = CompactRange()
    for n in range(301):
        assert compact.size == n
        assert compact.root() == merkle.root_from_leaf_hashes(LEAVES[:n])
        assert len(compact.hashes) == n.bit_count()
        if n < 300:
            compact.append(LEAVES[n])


def test_compact_range_empty_root_is_sha256_of_nothing() -> None:
    assert CompactRange().root() == merkle.EMPTY_ROOT
    assert CompactRange().to_hex_list() == []


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=200))
def test_compact_range_root_equals_mth_for_any_leaves(entries: list[bytes]) -> None:
    hashes = [merkle.leaf_hash(e) for e in entries]
    assert CompactRange.from_leaf_hashes(hashes).root() == merkle.root_from_leaf_hashes(hashes)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 300), st.integers(0, 40))
def test_compact_range_survives_a_hex_round_trip_mid_log(split: int, more: int) -> None:
    """A node reloads the frontier from its head row and keeps appending."""
    stored = CompactRange.from_leaf_hashes(LEAVES[:split])
    reloaded = CompactRange.from_hex_list(stored.size, stored.to_hex_list())
    assert reloaded == stored
    end = min(split + more, len(LEAVES))
    for h in LEAVES[split:end]:
        reloaded.append(h)
    assert reloaded.root() == merkle.root_from_leaf_hashes(LEAVES[:end])


def test_compact_range_subtree_hashes_are_the_perfect_subtree_roots() -> None:
    # 13 = 8 + 4 + 1: the roots of leaves [0, 8), [8, 12) and [12, 13).
    compact = CompactRange.from_leaf_hashes(LEAVES[:13])
    assert compact.hashes == (
        merkle.root_from_leaf_hashes(LEAVES[:8]),
        merkle.root_from_leaf_hashes(LEAVES[8:12]),
        LEAVES[12],
    )


def test_compact_range_copy_is_independent() -> None:
    compact = CompactRange.from_leaf_hashes(LEAVES[:5])
    trial = compact.copy()
    trial.append(LEAVES[5])
    assert compact.size == 5
    assert compact.root() == merkle.root_from_leaf_hashes(LEAVES[:5])
    assert trial.root() == merkle.root_from_leaf_hashes(LEAVES[:6])


def test_compact_range_is_not_hashable_because_it_changes() -> None:
    with pytest.raises(TypeError):
        hash(CompactRange())


def test_compact_range_from_hex_list_rejects_a_wrong_count() -> None:
    hexes = CompactRange.from_leaf_hashes(LEAVES[:5]).to_hex_list()
    with pytest.raises(ValidationError) as caught:
        CompactRange.from_hex_list(7, hexes)
    assert caught.value.field == "hashes"
    assert caught.value.reason == "a log of size 7 has 3 subtree hashes, got 2"


@pytest.mark.parametrize(
    ("hexes", "field"),
    [
        (["ab" * 31], "hashes[0]"),
        (["zz" * 32], "hashes[0]"),
        ([None], "hashes[0]"),
    ],
)
def test_compact_range_from_hex_list_rejects_bad_hex(hexes: list[str], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        CompactRange.from_hex_list(1, hexes)
    assert caught.value.field == field


def test_compact_range_from_hex_list_rejects_negative_size() -> None:
    with pytest.raises(ValidationError, match="negative"):
        CompactRange.from_hex_list(-1, [])


def test_compact_range_append_rejects_a_wrong_length_hash() -> None:
    compact = CompactRange()
    with pytest.raises(ValidationError) as caught:
        compact.append(b"short")
    assert caught.value.field == "leaf_hash"
    assert compact.size == 0
