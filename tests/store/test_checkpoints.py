"""Kept checkpoints and cosignatures read back so that their signatures still verify."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from detente.log.checkpoint import (
    Checkpoint,
    SignedCheckpoint,
    cosign,
    sign_checkpoint,
    verify_cosignature,
)
from detente.store import checkpoints as kept
from detente.store.database import Database
from detente.wire.entry import format_t, parse_t
from detente.wire.keys import SigningKey

CHANNEL = "9a" * 16
OWNER = SigningKey.generate()
WITNESS = SigningKey.generate()


def _signed(size: int, root: str, t: str = "2026-11-27T08:00:00.000001Z") -> SignedCheckpoint:
    return sign_checkpoint(
        Checkpoint(channel=CHANNEL, party="CN", key=OWNER.key_id, size=size, root=root, t=t), OWNER
    )


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2200, 1, 1)))
def test_checkpoints_timestamp_survives_epoch_float_column(moment: datetime) -> None:
    text = format_t(moment.replace(tzinfo=UTC))
    assert format_t(datetime.fromtimestamp(parse_t(text).timestamp(), UTC)) == text


def test_checkpoints_cosignature_read_back_verifies(db: Database) -> None:
    signed = _signed(5, "11" * 32)
    cosignature = cosign(signed, "US", WITNESS, "2026-11-27T08:00:01.999999Z")
    with db.writing() as conn:
        assert kept.put(conn, signed, received_t=1.0)
        assert not kept.put(conn, signed, received_t=2.0)
        assert kept.put_cosignature(conn, signed.checkpoint, cosignature)
        assert not kept.put_cosignature(conn, signed.checkpoint, cosignature)
    with db.reading() as conn:
        found = kept.find(conn, CHANNEL, "CN", 5, "11" * 32)
    assert found is not None and found.signed.payload == signed.payload
    (back,) = found.cosignatures
    assert back == cosignature
    verify_cosignature(found.signed, back, WITNESS.verify_key, field="c")


def test_checkpoints_two_roots_of_one_size_are_both_kept(db: Database) -> None:
    with db.writing() as conn:
        kept.put(conn, _signed(7, "aa" * 32), received_t=1.0)
        kept.put(conn, _signed(7, "bb" * 32), received_t=2.0)
        kept.put(conn, _signed(9, "cc" * 32), received_t=3.0)
    with db.reading() as conn:
        assert [s.checkpoint.root for s in kept.at_size(conn, CHANNEL, "CN", 7)] == [
            "aa" * 32,
            "bb" * 32,
        ]
        assert [s.checkpoint.size for s in kept.list_checkpoints(conn, CHANNEL)] == [9, 7, 7]
        assert kept.latest_witnessed(conn, CHANNEL, "CN", "US") is None


def test_checkpoints_witnessed_covering_picks_smallest_cosigned(db: Database) -> None:
    small, large, bare = _signed(4, "01" * 32), _signed(8, "02" * 32), _signed(6, "03" * 32)
    with db.writing() as conn:
        for s in (small, large, bare):
            kept.put(conn, s, received_t=1.0)
        for s in (small, large):
            kept.put_cosignature(
                conn,
                s.checkpoint,
                cosign(s, "US", WITNESS, "2026-11-27T08:00:02.000000Z"),
            )
    with db.reading() as conn:
        assert kept.witnessed_covering(conn, CHANNEL, "CN", 3).checkpoint.size == 4  # type: ignore[union-attr]
        assert kept.witnessed_covering(conn, CHANNEL, "CN", 5).checkpoint.size == 8  # type: ignore[union-attr]
        assert kept.witnessed_covering(conn, CHANNEL, "CN", 9) is None
        assert kept.latest_witnessed(conn, CHANNEL, "CN", "US").checkpoint.size == 8  # type: ignore[union-attr]
