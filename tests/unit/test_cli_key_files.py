"""Key files for both algorithms: ``gateway keygen --algorithm sm2`` writes one that every
signing command reads back as the same SM2 signer (user ID included), and ``region add-key``
registers its public half as an ``sm2`` key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway_client.cli import main as cli
from gateway_client.cli import operator as cli_operator
from gateway_client.cli.errors import CliError
from gateway_client.cli.key_files import read_signer, registration
from gateway_client.contract import (
    SM2_DEFAULT_USER_ID,
    Ed25519Signer,
    GatewaySigners,
    SignedHeaders,
    Sm2PrivateKey,
    Sm2PublicKey,
    Sm2Signer,
    Sm2Verifier,
    derive_private_key,
    key_set,
    verify_sm2,
)


def keygen(tmp_path: Path, capsys: pytest.CaptureFixture[str], *more: str) -> tuple[Path, str]:
    path = tmp_path / "platform.key"
    assert cli.main(["keygen", "--out", str(path), *more]) == 0
    return path, capsys.readouterr().out


def test_an_sm2_key_file_signs_v1sm2_that_its_printed_public_key_verifies(tmp_path, capsys):
    path, printed = keygen(tmp_path, capsys, "--algorithm", "sm2")
    public = next(line.split()[-1] for line in printed.splitlines() if "public key" in line)
    signer = read_signer("k-1", str(path))
    assert isinstance(signer, Sm2Signer)
    assert path.stat().st_mode & 0o777 == 0o600
    signature = signer.sign("m-1", 1_700_000_000, b"{}")
    signed = SignedHeaders("m-1", 1_700_000_000, signature)
    verify_sm2(signed, b"{}", [Sm2Verifier(Sm2PublicKey.from_text(public))])
    assert registration(str(path)).algorithm == "sm2"
    assert registration(str(path)).user_id is None  # the default ID is not registered


def test_an_sm2_key_with_its_own_user_id_keeps_it_in_the_file_and_registration(tmp_path, capsys):
    path, printed = keygen(tmp_path, capsys, "--algorithm", "sm2", "--user-id", "清远市平台")
    assert "user id:     清远市平台" in printed
    signer = read_signer("k-1", str(path))
    assert isinstance(signer, Sm2Signer)
    assert signer.user_id == "清远市平台"
    assert registration(str(path)).user_id == "清远市平台"


def test_the_default_key_file_is_still_ed25519(tmp_path, capsys):
    path, printed = keygen(tmp_path, capsys)
    assert "algorithm:   ed25519" in printed
    assert isinstance(read_signer("k-1", str(path)), Ed25519Signer)
    assert SM2_DEFAULT_USER_ID not in path.read_text(encoding="utf-8")


def test_an_ed25519_key_has_no_user_id(tmp_path, capsys):
    refused = tmp_path / "refused.key"
    assert cli.main(["keygen", "--user-id", "x", "--out", str(refused)]) != 0
    assert "--user-id belongs to sm2 keys" in capsys.readouterr().err
    assert not refused.exists()
    whsk, _ = keygen(tmp_path, capsys)
    whsk.write_text(whsk.read_text(encoding="utf-8") + "user_id=x\n", encoding="utf-8")
    with pytest.raises(CliError, match="user_id line belongs to sm2sk_"):
        read_signer("k-1", str(whsk))


@pytest.mark.parametrize("tail", ["user_id=a\nuser_id=b\n", "something else\n"])
def test_anything_but_one_user_id_line_after_the_key_is_refused(tmp_path, capsys, tail):
    path, _ = keygen(tmp_path, capsys, "--algorithm", "sm2")
    path.write_text(path.read_text(encoding="utf-8") + tail, encoding="utf-8")
    with pytest.raises(CliError, match="only one user_id"):
        read_signer("k-1", str(path))


def test_region_add_key_registers_the_sm2_key_a_file_holds(tmp_path, capsys, monkeypatch):
    path, _ = keygen(tmp_path, capsys, "--algorithm", "sm2", "--user-id", "清远")
    sent: list[dict[str, object]] = []

    def call(method: str, url: str, body: bytes | None = None) -> object:
        sent.append(json.loads(body or b"{}"))
        return cli_operator.Response(201, {}, {})

    monkeypatch.setattr(cli_operator, "caller_for", lambda _args: call)
    argv = ["region", "add-key", "441800", "--key-id", "k-sm2", "--key-file", str(path)]
    assert cli.main([*argv, "--token", "t" * 24]) == 0
    public = read_signer("k", str(path))
    assert isinstance(public, Sm2Signer)
    assert sent == [
        {
            "key_id": "k-sm2",
            "algorithm": "sm2",
            "public_key": public.private_key.public_key.text(),
            "user_id": "清远",
        }
    ]


def test_gateway_keys_prints_the_public_keys_the_gateway_derives_from_a_secret(tmp_path, capsys):
    secret = tmp_path / "gw-2.secret"
    secret.write_text("s" * 40 + "\n", encoding="utf-8")

    assert cli.main(["gateway-keys", str(secret)]) == 0
    out = capsys.readouterr().out.splitlines()

    derived = GatewaySigners(
        Ed25519Signer("gw-2", derive_private_key("s" * 40)),
        Sm2Signer("gw-2.sm2", Sm2PrivateKey.derive("s" * 40)),
    )
    listed = {key.algorithm: key.public_key for key in key_set(derived, [])}
    assert out == [f"ed25519: {listed['ed25519']}", f"sm2: {listed['sm2']}"]
    secret.write_text("short\n", encoding="utf-8")
    assert cli.main(["gateway-keys", str(secret)]) != 0
    assert "not a usable signing secret" in capsys.readouterr().err


@pytest.mark.parametrize("user_id", [" 清远", "清远 ", ""])
def test_a_user_id_with_spaces_at_either_end_is_refused_before_a_key_is_written(
    tmp_path, capsys, user_id
):
    path = tmp_path / "k.key"
    argv = ["keygen", "--algorithm", "sm2", "--user-id", user_id, "--out", str(path)]
    assert cli.main(argv) != 0
    assert "--user-id: one line" in capsys.readouterr().err
    assert not path.exists()


def test_a_private_key_is_never_printed(tmp_path, capsys):
    """Without a file to write it to, keygen refuses (review 46g: it printed the key)."""
    with pytest.raises(SystemExit):
        cli.main(["keygen"])
    assert "--out" in capsys.readouterr().err
    _, printed = keygen(tmp_path, capsys)
    assert "whsk_" not in printed
    assert "private key written to" in printed
