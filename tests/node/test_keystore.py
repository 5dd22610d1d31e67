"""The node key at rest: encrypted, and useless without its passphrase."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from detente.errors import ConfigError
from detente.node.identity import init_node, load_key
from detente.node.keystore import decrypt_key, encrypt_key
from detente.wire.keys import SigningKey


def test_keystore_round_trip_and_wrong_passphrase() -> None:
    key = SigningKey.generate()
    pem = encrypt_key(key, b"correct horse battery staple")
    assert decrypt_key(pem, b"correct horse battery staple").key_id == key.key_id
    with pytest.raises(ConfigError, match="wrong passphrase") as info:
        decrypt_key(pem, b"wrong horse battery staple!")
    assert "correct horse" not in str(info.value)


def test_keystore_refuses_short_passphrase() -> None:
    with pytest.raises(ConfigError) as info:
        encrypt_key(SigningKey.generate(), b"short")
    assert info.value.field == "passphrase"


def test_node_key_file_holds_no_plain_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DETENTE_PASSPHRASE", raising=False)
    settings = init_node(
        tmp_path / "n", party="US", name="t", passphrase=b"a long enough passphrase"
    )
    raw = settings.key_path.read_bytes()
    assert b"ENCRYPTED PRIVATE KEY" in raw
    assert not (settings.data_dir / "node.keypass").exists()  # a passphrase was given
    with pytest.raises(ConfigError, match="no passphrase"):
        load_key(settings)
    monkeypatch.setenv("DETENTE_PASSPHRASE", "a long enough passphrase")
    key = load_key(settings)
    assert base64.urlsafe_b64encode(key.private_bytes()) not in raw
    assert key.private_bytes() not in raw
    assert oct(settings.key_path.stat().st_mode & 0o777) == "0o600"


def test_node_init_without_passphrase_writes_keypass(tmp_path: Path) -> None:
    settings = init_node(tmp_path / "n", party="US", name="t")
    keypass = settings.data_dir / "node.keypass"
    assert oct(keypass.stat().st_mode & 0o777) == "0o600"
    assert load_key(settings).key_id


def test_node_init_warns_when_the_passphrase_sits_beside_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DETENTE_PASSPHRASE", raising=False)
    from click.testing import CliRunner

    from detente.cli.node import node

    args = ["init", "--party", "US", "--name", "J3", "--http"]
    beside = CliRunner().invoke(node, [*args, "--data", str(tmp_path / "a")])
    assert beside.exit_code == 0, beside.output
    assert (tmp_path / "a" / "node.keypass").is_file()
    assert "warning: the key's passphrase is in" in beside.stderr
    assert "--passphrase-file" in beside.stderr

    secret = tmp_path / "media" / "passphrase"
    secret.parent.mkdir()
    secret.write_text("a long enough passphrase\n")
    apart = CliRunner().invoke(
        node, [*args, "--data", str(tmp_path / "b"), "--passphrase-file", str(secret)]
    )
    assert apart.exit_code == 0, apart.output
    assert not (tmp_path / "b" / "node.keypass").exists()
    assert "warning" not in apart.stderr
    # node.json remembers where the passphrase lives, so later commands open the key.
    from detente.cli.context import load_settings

    assert load_key(load_settings(tmp_path / "b")).key_id in apart.stdout
