"""The RFC 6962 functions against transparency-dev/merkle's public vectors."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from detente.errors import ProofError
from detente.log import merkle

DATA = Path(__file__).parent.parent / "data" / "merkle"
INCLUSION = sorted((DATA / "inclusion").rglob("*.json"))
CONSISTENCY = sorted((DATA / "consistency").rglob("*.json"))
REFERENCE = json.loads((DATA / "reference_tree.json").read_text())


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


def _proof(vector: dict[str, Any]) -> list[bytes]:
    # Upstream writes a Go nil slice as null: an empty proof.
    return [_b64(p) for p in vector["proof"] or []]


def _id(path: Path) -> str:
    return str(path.relative_to(DATA))


def test_vectors_all_present() -> None:
    assert len(INCLUSION) == 98
    assert len(CONSISTENCY) == 98
    wanted = [_load(p)["wantErr"] for p in INCLUSION + CONSISTENCY]
    assert wanted.count(False) >= 10
    assert wanted.count(True) >= 150


@pytest.mark.parametrize("path", INCLUSION, ids=_id)
def test_verify_inclusion_matches_vector(path: Path) -> None:
    v = _load(path)
    args = (v["leafIdx"], v["treeSize"], _b64(v["leafHash"]), _proof(v), _b64(v["root"]))
    if v["wantErr"]:
        with pytest.raises(ProofError) as caught:
            merkle.verify_inclusion(*args)
        assert caught.value.reason
        assert caught.value.field in {"index", "leaf_hash", "root", "proof"} or (
            caught.value.field or ""
        ).startswith("proof[")
    else:
        merkle.verify_inclusion(*args)


@pytest.mark.parametrize("path", CONSISTENCY, ids=_id)
def test_verify_consistency_matches_vector(path: Path) -> None:
    v = _load(path)
    args = (v["size1"], v["size2"], _b64(v["root1"]), _b64(v["root2"]), _proof(v))
    if v["wantErr"]:
        with pytest.raises(ProofError) as caught:
            merkle.verify_consistency(*args)
        assert caught.value.reason
    else:
        merkle.verify_consistency(*args)


@pytest.mark.parametrize("path", [p for p in INCLUSION if p.name == "happy-path.json"], ids=_id)
def test_inclusion_vector_proof_is_the_one_we_generate(path: Path) -> None:
    """Upstream's happy paths are over the reference leaves: our PATH gives their proof."""
    v = _load(path)
    leaves = [merkle.leaf_hash(bytes.fromhex(h)) for h in REFERENCE["leaf_inputs_hex"]]
    assert leaves[v["leafIdx"]] == _b64(v["leafHash"])
    assert merkle.inclusion_proof(v["leafIdx"], leaves[: v["treeSize"]]) == _proof(v)


@pytest.mark.parametrize("path", [p for p in CONSISTENCY if p.name == "happy-path.json"], ids=_id)
def test_consistency_vector_proof_is_the_one_we_generate(path: Path) -> None:
    v = _load(path)
    leaves = [merkle.leaf_hash(bytes.fromhex(h)) for h in REFERENCE["leaf_inputs_hex"]]
    assert merkle.consistency_proof(v["size1"], leaves[: v["size2"]]) == _proof(v)


@pytest.mark.parametrize("size", range(9))
def test_root_from_leaf_hashes_matches_reference_root(size: int) -> None:
    leaves = [merkle.leaf_hash(bytes.fromhex(h)) for h in REFERENCE["leaf_inputs_hex"][:size]]
    want = bytes.fromhex(REFERENCE["root_hashes_hex_by_size_0_to_8"][size])
    assert merkle.root_from_leaf_hashes(leaves) == want


def test_hash_functions_match_reference_vectors() -> None:
    want = {v["desc"]: bytes.fromhex(v["want"]) for v in REFERENCE["hash_vectors"]}
    assert want["empty tree"] == merkle.EMPTY_ROOT
    assert merkle.leaf_hash(b"") == want["empty leaf HashLeaf('')"]
    assert merkle.leaf_hash(b"L123456") == want["HashLeaf('L123456')"]
    assert merkle.node_hash(b"N123", b"N456") == want["HashChildren('N123','N456')"]
