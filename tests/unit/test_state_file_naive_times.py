"""Review 339: a ``--state`` file whose ``at`` (or ``checked_at``) carries no offset -- edited by
hand, or written by another tool -- was read without complaint, and verify-log's checkpoint
dating died comparing it with the aware checkpoint times (TypeError); it is refused as a file
verify-log did not write."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
from builders import NOW, gateway_signers

from gateway_client.checkpoint_trust import trusted_checkpoints
from gateway_client.contract.keys import PublishedKey
from gateway_client.contract.log import sign_checkpoint
from gateway_client.contract.signing_keys import public_key_text
from gateway_client.subscriber_files import LocalFileError, read_seen


def test_a_state_with_a_naive_time_is_refused_not_a_crash(tmp_path: Path) -> None:
    signers = gateway_signers("gw-naive")
    key = PublishedKey(key_id="gw-naive", public_key=public_key_text(signers.ed25519.private_key))
    checkpoints = [
        sign_checkpoint(n, hashlib.sha256(b"%d" % n).digest(), NOW + timedelta(minutes=n), signers)
        for n in (2, 4)
    ]
    state = tmp_path / "state.json"
    naive_at = (NOW + timedelta(minutes=3)).replace(tzinfo=None).isoformat()
    state.write_text(json.dumps({"size": 3, "root": "ab" * 32, "at": naive_at}))

    try:
        seen = read_seen(state)
    except LocalFileError:
        return  # refused as a file verify-log did not write: fine
    assert seen is not None
    try:
        trusted_checkpoints(checkpoints, [key], "ed25519", seen)
    except TypeError as error:
        pytest.fail(f"verify-log crashed on the state file's naive time: {error}")
