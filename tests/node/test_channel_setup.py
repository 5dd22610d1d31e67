"""Channel set-up by signed files: a key changed outside the log is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from detente.errors import ConfigError
from detente.node.channel_doc import Invitation, make_acceptance, parse_document
from detente.node.channel_settings import ChannelSettings
from detente.node.channel_setup import accept, invite, me_doc
from detente.node.identity import load_key
from detente.store.database import Database
from detente.testing import make_node
from detente.wire.keys import SigningKey


def test_accept_refuses_a_changed_key_for_a_joined_party(tmp_path: Path) -> None:
    us = make_node(tmp_path / "us", "US", "INDOPACOM J3")
    cn = make_node(tmp_path / "cn", "CN", "Southern Theater Command")
    db_us, db_cn = Database(us.db_url), Database(cn.db_url)
    try:
        invited = invite(db_us, us, load_key(us), ChannelSettings())
        assert isinstance(invited.document, Invitation)
        joined = accept(db_cn, cn, load_key(cn), parse_document(invited.document.model_dump_json()))
        assert joined.document is not None
        accept(db_us, us, load_key(us), parse_document(joined.document.model_dump_json()))
        # Someone presents a new CN key through a fresh, validly self-signed acceptance.
        impostor = SigningKey.generate()
        forged = make_acceptance(invited.document, me_doc(cn, impostor), impostor)
        with pytest.raises(ConfigError, match="rotated through the log") as info:
            accept(db_us, us, load_key(us), parse_document(forged.model_dump_json()))
        assert info.value.field == "member.key_id"
    finally:
        db_us.close()
        db_cn.close()
