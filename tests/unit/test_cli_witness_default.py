"""`gateway verify-log --witness VKEY` relies on the witnesses it names (review 270): with
`--witnesses-required` left out, every distinct witness listed must have cosigned; with no
`--witness`, the gateway's signature is enough, as before."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway_client.cli import witness as cli_witness
from gateway_client.cli.errors import CliError
from gateway_client.cli.main import parser
from gateway_client.tlog import CosignatureSigner

BASE = [
    *("verify-log", "--deliveries", "d.ndjson", "--subscription", "sub_1"),
    *("--region", "430000", "--key-id", "k", "--key-file", "k.key"),
    *("--url", "http://127.0.0.1:1"),
]


def vkey(name: str) -> str:
    return CosignatureSigner(name, Ed25519PrivateKey.generate()).vkey


def required(*extra: str) -> int:
    args = parser().parse_args([*BASE, *extra])
    cli_witness.witness_verifiers(args)
    return int(args.witnesses_required)


def test_witnesses_named_without_a_count_are_all_required() -> None:
    hunan, hubei = vkey("witness.hunan.example.cn"), vkey("witness.hubei.example.cn")
    assert required("--witness", hunan) == 1
    assert required("--witness", hunan, "--witness", hubei) == 2


def test_one_witness_named_twice_with_two_keys_is_required_once() -> None:
    first, second = vkey("witness.hunan.example.cn"), vkey("witness.hunan.example.cn")
    assert required("--witness", first, "--witness", second) == 1


def test_no_witness_requires_none_and_a_count_given_is_kept() -> None:
    hunan, hubei = vkey("witness.hunan.example.cn"), vkey("witness.hubei.example.cn")
    assert required() == 0
    assert required("--witness", hunan, "--witness", hubei, "--witnesses-required", "1") == 1
    assert required("--witness", hunan, "--witnesses-required", "0") == 0


def test_a_count_beyond_the_witnesses_named_is_refused() -> None:
    with pytest.raises(CliError, match="--witnesses-required 2"):
        required("--witness", vkey("witness.hunan.example.cn"), "--witnesses-required", "2")
