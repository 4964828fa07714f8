"""``verify-log --origin``: the subscriber names the log it means, as a witness is configured with
the log it cosigns. Witnesses cosign every log they serve with one key, so without it a first run
(no ``--state`` yet) shown another log of the same operator — its own history, cosigned by the
same K witnesses — said OK (review 139)."""

from __future__ import annotations

from typing import Any

import pytest
from test_log_audit import (
    BLACK_ONLY,
    ENTRIES,
    GATEWAY,
    LATER,
    NOW,
    STORED,
    reader_at,
    tree_root,
    wants,
)
from test_witness_audit import BOTH, HUBEI, HUNAN, STAMP

from gateway_client.cli import platform_commands
from gateway_client.cli.main import parser
from gateway_client.contract.log import Checkpoint, sign_checkpoint
from gateway_client.log_audit import AuditReport, audit

PROD = "credit.example.gov.cn/exchange-log"
PILOT = "credit.example.gov.cn/pilot-exchange-log"  # the operator's other stack


def _cosigned(origin: str) -> Checkpoint:
    checkpoint = sign_checkpoint(6, tree_root(ENTRIES), NOW, GATEWAY, origin)
    text = checkpoint.signed_bytes().decode()
    return checkpoint.model_copy(
        update={"cosignatures": (HUNAN.cosign(text, STAMP), HUBEI.cosign(text, STAMP))}
    )


def _audit(shown: str, origin: str | None) -> AuditReport:
    keys = [GATEWAY.ed25519.private_key.public_key()]
    return audit(
        ENTRIES,
        [_cosigned(shown)],
        keys,
        STORED,
        wants(BLACK_ONLY),
        reader_at,
        LATER,
        1,
        witnesses=BOTH,
        witnesses_required=2,
        origin=origin,
    )


def test_a_witnessed_log_of_another_name_is_a_problem_on_a_first_run() -> None:
    report = _audit(PILOT, PROD)

    assert not report.ok
    assert [p for p in report.problems if "--origin" in p] == [
        f"the checkpoints name the log {[PILOT]}, not {PROD!r} (--origin)"
    ]


@pytest.mark.parametrize("origin", [PROD, None])
def test_the_log_meant_or_none_named_passes(origin: str | None) -> None:
    assert _audit(PROD, origin).ok


def test_the_command_hands_the_origin_to_the_audit(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def verify_log(*args: Any, **named: Any) -> Any:
        seen.update(named)
        raise SystemExit(0)

    monkeypatch.setattr(platform_commands, "verify_log", verify_log)
    monkeypatch.setattr(platform_commands, "read_copy", lambda path: ([], {}))
    monkeypatch.setattr(platform_commands, "_platform", lambda args: None)
    args = parser().parse_args(
        [
            "verify-log", "--deliveries", "d.jsonl", "--subscription", "sub", "--region", "430000",
            "--key-id", "k", "--key-file", "f", "--url", "https://gw.example", "--origin", PROD,
        ]
    )  # fmt: skip

    with pytest.raises(SystemExit):
        platform_commands._verify_log(args)

    assert seen["origin"] == PROD
